"""The `profile` block (`fozzy.analysis.profile.report_block`) as `report show` text and as
the HTML report's section: a bar chart of CPU per step (or per sampled stack, for a
`--profile-cpu` fuzz campaign) made of plain divs (inline widths, no scripts, no external
resources), so the page stays self-contained and readable as source."""

from __future__ import annotations

from typing import Any

from fozzy.artifacts.render import xml_escape

#: Appended to the report page's own style sheet.
PROFILE_STYLE = """
.bars{display:grid;grid-template-columns:minmax(12em,max-content) 1fr max-content;
gap:.25em .8em;align-items:center}
.bar{display:flex;height:1.1em;background:var(--bg);border:1px solid var(--line)}
.bar .worker{background:#0969da}.bar .host{background:#bf8700}.bar .sampled{background:#8250df}
.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;
vertical-align:middle}
"""


def _label(row: dict[str, Any]) -> str:
    where = f"step[{row['step']}] {row['type']}"
    return f"{row['scenario']}: {where}" if "scenario" in row else where


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MiB"


def profile_text(block: dict[str, Any]) -> str:
    """The pretty `report show` lines for the block."""
    lines = ["profile (measured, not deterministic):"]
    if "totals" in block:
        t = block["totals"]
        lines += [
            f"  cpu: {t['cpuMs']:.1f}ms (worker {t['workerCpuMs']:.1f}ms, host"
            f" {t['hostCpuMs']:.1f}ms) over {t['steps']} step(s), wall {t['wallMs']:.1f}ms",
            f"  host processes: {t['hostProcesses']}, peak RSS {_mb(t['hostPeakRssBytes'])}",
            "  top steps by cpu:",
            *(f"    {r['cpuMs']:9.1f}ms  {_label(r)}" for r in block["topSteps"]),
        ]
        if block["hostProcesses"]:
            lines.append("  host processes by cpu:")
            lines += [f"    {p['cpuMs']:9.1f}ms  {_mb(p['peakRssBytes']):>10}  {_label(p)}:"
                      f" {p['cmd']}" for p in block["hostProcesses"]]
    if "sampled" in block:
        sp = block["sampled"]
        lines += [
            f"  sampled cpu: {sp['cpuMs']:.1f}ms in the target's frames ({sp['samples']}"
            f" samples every {sp['periodMs']:g}ms, {sp['otherSamples']} outside them)",
            "  top sampled stacks:",
            *(f"    {r['cpuMs']:9.1f}ms  {r['stack']}" for r in sp["topStacks"]),
        ]
    return "\n".join(lines) + "\n"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f}%" if whole > 0 else "0%"


def profile_html(block: dict[str, Any]) -> list[str]:
    """The report page's `profile` section: the step chart and the sampled-stack chart, each
    present when the block has that part."""
    out = ['<section id="profile"><h2>profile</h2>']
    if "totals" in block:
        out += _steps_html(block)
    if "sampled" in block:
        out += _sampled_html(block["sampled"])
    return [*out, "</section>"]


def _steps_html(block: dict[str, Any]) -> list[str]:
    """Totals, then one bar per top step, its length the step's share of the costliest
    step's CPU, split into worker and host CPU."""
    e = xml_escape
    t = block["totals"]
    rows = block["topSteps"]
    widest = max((r["cpuMs"] for r in rows), default=0.0)
    out = [
        f'<p>cpu {t["cpuMs"]:.1f} ms (worker {t["workerCpuMs"]:.1f} ms, host'
        f' {t["hostCpuMs"]:.1f} ms) over {t["steps"]} step(s); {t["hostProcesses"]} host'
        f' process(es), peak RSS {e(_mb(t["hostPeakRssBytes"]))}</p>',
        '<p class="note legend">cpu per step, the costliest'
        f' {len(rows)} of {t["steps"]}:<span style="background:#0969da"></span>'
        'worker<span style="background:#bf8700"></span>host processes</p>',
        '<div class="bars">',
    ]
    for r in rows:
        out += [
            f'<span class="mono">{e(_label(r))}</span>',
            f'<div class="bar" title="{e(_label(r))}: {r["cpuMs"]:.3f} ms">'
            f'<div class="worker" style="width:{_pct(r["workerCpuMs"], widest)}"></div>'
            f'<div class="host" style="width:{_pct(r["hostCpuMs"], widest)}"></div></div>',
            f'<span class="num">{r["cpuMs"]:.1f} ms</span>',
        ]
    return [*out, "</div>"]


def _sampled_html(sp: dict[str, Any]) -> list[str]:
    """One bar per top sampled stack, labelled by its leaf frame (the whole stack in the
    tooltip), its length the stack's share of the costliest one."""
    e = xml_escape
    rows = sp["topStacks"]
    widest = max((r["cpuMs"] for r in rows), default=0.0)
    out = [
        f'<p>sampled cpu {sp["cpuMs"]:.1f} ms in the target\'s frames ({sp["samples"]} samples'
        f' every {sp["periodMs"]:g} ms, {sp["otherSamples"]} outside them)</p>',
        f'<p class="note">sampled stacks, the costliest {len(rows)}, by leaf frame</p>',
        '<div class="bars">',
    ]
    for r in rows:
        leaf = r["stack"].rsplit(";", 1)[-1]
        out += [
            f'<span class="mono">{e(leaf)}</span>',
            f'<div class="bar" title="{e(r["stack"])}: {r["cpuMs"]:.3f} ms">'
            f'<div class="sampled" style="width:{_pct(r["cpuMs"], widest)}"></div></div>',
            f'<span class="num">{r["cpuMs"]:.1f} ms</span>',
        ]
    return [*out, "</div>"]
