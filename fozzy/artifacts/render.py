"""Human and file renderings of a summary: the pretty block, `junit.xml`, `report.html`.

The file renderers are pure functions of the summary, so a later integrity check can compare
a stored file byte-for-byte with a fresh rendering.
"""

from __future__ import annotations

import io
from typing import Any

import orjson

_STATUS_STYLE = {
    "pass": "bold green", "fail": "bold red", "timeout": "bold yellow", "crash": "bold magenta",
    "error": "bold red", "skipped": "dim",
}


def camel(word: str) -> str:
    """`input_invalid` → `InputInvalid`: the reference's enum spelling in human text."""
    return "".join(part.capitalize() for part in word.split("_"))


def finding_line(f: dict[str, Any]) -> str:
    return f"[{f['kind']}] {f['title']}: {f['message']}"


def pretty_text(summary: dict[str, Any], *, color: bool) -> str:
    """The block `run`/`test`/`replay` print (§3.4); labels dim and the status coloured.

    rich is imported here, not at module load: writing report files must not pay for it."""
    from rich.console import Console
    from rich.text import Text

    from fozzy.artifacts.skipped import skipped_lines

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
    )
    status = summary["status"]

    def line(label: str, value: str, style: str = "") -> None:
        console.print(Text.assemble((label, "dim"), " ", (value, style)))

    line("fozzy", f"{summary['mode']} {status.upper()}", _STATUS_STYLE.get(status, "bold"))
    ident = summary["identity"]
    line("run", ident["runId"])
    line("seed", str(ident["seed"]))
    line("duration", f"{summary['durationMs']}ms")
    if "virtualMs" in summary:
        line("virtual", f"{summary['virtualMs']}ms")
    tests = summary.get("tests")
    if tests is not None:
        line("tests", f"pass={tests['passed']} fail={tests['failed']} skip={tests['skipped']}")
    mem = summary.get("memory")
    if mem is not None:
        line(
            "memory",
            f"allocs={mem['allocCount']} frees={mem['freeCount']}"
            f" failed={mem['failedAllocCount']} in_use={mem['inUseBytes']}"
            f" peak={mem['peakBytes']} leaked={mem['leakedBytes']}"
            f" leaked_allocs={mem['leakedAllocs']}",
        )
    for label, key in (("trace", "tracePath"), ("report", "reportPath"), ("artifacts",
                                                                          "artifactsDir")):
        if key in ident:
            line(label, ident[key])
    scenarios = summary.get("scenarios")
    failed = [s for s in scenarios or () if s["status"] not in ("pass", "skipped")]
    if failed:
        # A suite can hold thousands of scenarios: list only the ones that need attention,
        # each with the command that reproduces it.
        console.print(Text("failures", "dim"))
        for s in failed:
            st = s["status"]
            first = s["findings"][0] if s.get("findings") else None
            console.print(
                Text.assemble(
                    "  ", (st.upper(), _STATUS_STYLE.get(st, "bold")), " ", s["path"],
                    (f" seed={s['seed']}", "dim"),
                    f": {first['title']}: {first['message']}" if first else "",
                )
            )
            if s.get("reproduce"):
                console.print(Text.assemble("    ", ("reproduce:", "dim"), " ", s["reproduce"]))
    crashes = fuzz_crashes(summary)
    if crashes:
        console.print(Text("crashes", "dim"))
        for c in crashes:
            st = c["status"]
            console.print(Text.assemble("  ", (st.upper(), _STATUS_STYLE.get(st, "bold")), " ",
                                        c["signature"]))
            if c.get("reproduce"):
                console.print(Text.assemble("    ", ("reproduce:", "dim"), " ", c["reproduce"]))
    skipped = skipped_lines(scenarios)
    if skipped:
        console.print(Text("skipped", "dim"))
        for text in skipped:
            console.print(Text(text, "dim"))
    findings = summary.get("findings")
    if findings:
        console.print(Text("findings", "dim"))
        for f in findings:
            console.print(Text(f"  - {finding_line(f)}"))
    reproduce = summary.get("reproduce")
    if reproduce and all(c.get("reproduce") != reproduce for c in crashes):
        console.print(Text.assemble(("reproduce:", "dim"), " ", reproduce))
    return buf.getvalue()


def fuzz_crashes(summary: dict[str, Any]) -> list[dict[str, Any]]:
    crashes: list[dict[str, Any]] = (summary.get("fuzz") or {}).get("crashes") or []
    return crashes


def xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&apos;")
    )


def seconds(ms: int) -> str:
    """Milliseconds as plain decimal seconds: 12 → `0.012`, 0 → `0`, 1500 → `1.5`."""
    whole, frac = divmod(ms, 1000)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".")


def plain_text(summary: dict[str, Any]) -> str:
    """`report show --format pretty`: the block without colour, one fact per line (§3.4)."""
    ident = summary["identity"]
    lines = [
        f"status={camel(summary['status'])} mode={camel(summary['mode'])}"
        f" runId={ident['runId']} seed={ident['seed']}"
    ]
    for label, key in (("trace", "tracePath"), ("report", "reportPath"),
                       ("artifacts", "artifactsDir")):
        if key in ident:
            lines.append(f"{label}={ident[key]}")
    lines.append(f"duration={summary['durationMs']}ms")
    if "virtualMs" in summary:
        lines.append(f"virtual={summary['virtualMs']}ms")
    tests = summary.get("tests")
    if tests is not None:
        lines.append(
            f"tests: passed={tests['passed']} failed={tests['failed']}"
            f" skipped={tests['skipped']}"
        )
    mem = summary.get("memory")
    if mem is not None:
        lines.append(
            f"memory: allocs={mem['allocCount']} frees={mem['freeCount']}"
            f" failed={mem['failedAllocCount']} in_use={mem['inUseBytes']}"
            f" peak={mem['peakBytes']} leaked={mem['leakedBytes']}"
            f" leaked_allocs={mem['leakedAllocs']}"
        )
    for s in summary.get("scenarios") or []:
        lines.append(f"scenario {camel(s['status'])} {s['path']} seed={s['seed']}")
        if s.get("reproduce"):
            lines.append(f"  reproduce: {s['reproduce']}")
    for c in fuzz_crashes(summary):
        lines.append(f"crash {camel(c['status'])} {c['signature']}")
        if c.get("reproduce"):
            lines.append(f"  reproduce: {c['reproduce']}")
    for f in summary.get("findings", []):
        file = (f.get("location") or {}).get("file")
        where = f" ({file})" if file else ""
        lines.append(f"- {camel(f['kind'])}: {f['title']}{where}: {f['message']}")
    if summary.get("reproduce"):
        lines.append(f"reproduce: {summary['reproduce']}")
    return "\n".join(lines) + "\n"


_HTML_STYLE = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--pass:#1a7f37;--fail:#cf222e;
--timeout:#9a6700;--crash:#8250df;--skipped:#59636e}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0;
padding:0 2em 3em;max-width:1200px}
header{display:flex;align-items:baseline;gap:1em;border-bottom:1px solid var(--line);
padding:1.2em 0 .6em}
h1{font-size:1.4em;margin:0}h2{font-size:1.1em;margin:1.6em 0 .5em}
code,.mono,td.details{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
.badge{display:inline-block;padding:.1em .7em;border-radius:1em;color:#fff;font-weight:600;
margin:0}
.badge.pass{background:var(--pass)}.badge.fail,.badge.error{background:var(--fail)}
.badge.timeout{background:var(--timeout)}.badge.crash{background:var(--crash)}
.badge.skipped{background:var(--skipped)}
td.pass{color:var(--pass)}td.fail,td.error{color:var(--fail)}td.timeout{color:var(--timeout)}
td.crash{color:var(--crash)}td.skipped{color:var(--skipped)}
td.pass,td.fail,td.error,td.timeout,td.crash,td.skipped{font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1.2em;margin:0}
dt{color:var(--muted)}dd{margin:0;word-break:break-all}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.3em .6em;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
tr.error td{background:#ffebe9}
ul.findings{padding-left:1.2em}ul.findings li{margin:.3em 0}
.loc,.note{color:var(--muted)}
"""


def _badge(status: str) -> str:
    return f'<span class="badge {xml_escape(status)}">{xml_escape(camel(status))}</span>'


def _summary_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    ident = summary["identity"]
    rows = [
        ("mode", summary["mode"]),
        ("runId", ident["runId"]),
        ("seed", str(ident["seed"])),
        ("startedAt", summary["startedAt"]),
        ("finishedAt", summary["finishedAt"]),
        ("duration", f"{summary['durationMs']} ms (wall)"),
    ]
    if "virtualMs" in summary:
        rows.append(("virtual time", f"{summary['virtualMs']} ms"))
    tests = summary.get("tests")
    if tests is not None:
        rows.append(("tests", f"{tests['passed']} passed, {tests['failed']} failed,"
                              f" {tests['skipped']} skipped"))
    mem = summary.get("memory")
    if mem is not None:
        rows.append(("memory", f"{mem['allocCount']} allocs, {mem['freeCount']} frees,"
                               f" {mem['failedAllocCount']} failed, peak {mem['peakBytes']} B,"
                               f" leaked {mem['leakedBytes']} B in {mem['leakedAllocs']}"
                               " allocation(s)"))
    for label, key in (("trace", "tracePath"), ("report", "reportPath"),
                       ("artifacts", "artifactsDir")):
        if key in ident:
            rows.append((label, ident[key]))
    if summary.get("reproduce"):
        rows.append(("reproduce", summary["reproduce"]))
    for i, c in enumerate(fuzz_crashes(summary)):
        if c.get("reproduce"):
            rows.append((f"crash {i} ({c['status']})", c["reproduce"]))
    return rows


def _finding_item(f: dict[str, Any]) -> str:
    e = xml_escape
    text = f"{e(camel(f['kind']))}: {e(f['title'])}: {e(f['message'])}"
    loc = f.get("location") or {}
    where = ":".join(str(loc[k]) for k in ("file", "line", "col") if loc.get(k) is not None)
    if where:
        text += f' <span class="loc">({e(where)})</span>'
    return f"<li>{text}</li>"


def _scenario_table(scenarios: list[dict[str, Any]]) -> list[str]:
    e = xml_escape
    out = [
        "<table>",
        '<thead><tr><th class="num">#</th><th>status</th><th>scenario</th>'
        '<th class="num">seed</th><th class="num">duration</th><th>findings</th></tr></thead>',
        "<tbody>",
    ]
    for i, s in enumerate(scenarios, 1):
        findings = s.get("findings") or []
        titles = ", ".join(sorted({str(f["title"]) for f in findings}))
        name = f"<br><span class=\"note\">{e(s['name'])}</span>" if s.get("name") else ""
        trace = (
            f"<br><span class=\"note mono\">trace {e(s['tracePath'])}</span>"
            if s.get("tracePath") else ""
        )
        if s.get("reproduce"):
            trace += f"<br><span class=\"note mono\">reproduce: {e(s['reproduce'])}</span>"
        duration = f"{s['durationMs']} ms" if "durationMs" in s else ""
        out.append(
            f'<tr><td class="num">{i}</td><td class="{e(s["status"])}">'
            f"{e(camel(s['status']))}</td><td><span class=\"mono\">{e(s['path'])}</span>"
            f"{name}{trace}</td><td class=\"num mono\">{s['seed']}</td>"
            f'<td class="num">{duration}</td>'
            f"<td>{len(findings)}{': ' + e(titles) if titles else ''}</td></tr>"
        )
    out += ["</tbody>", "</table>"]
    return out


TIMELINE_LIMIT = 2000
_DETAIL_LIMIT = 400


def _details(fields: Any) -> str:
    if not isinstance(fields, dict):
        return ""
    parts = []
    for k in sorted(fields):
        v = fields[k]
        shown = v if isinstance(v, str) else orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode()
        parts.append(f"{k}={shown}")
    text = " ".join(parts)
    return text if len(text) <= _DETAIL_LIMIT else text[:_DETAIL_LIMIT] + "…"


def _timeline(events: list[dict[str, Any]]) -> list[str]:
    e = xml_escape
    out = [
        "<table>",
        '<thead><tr><th class="num">#</th><th class="num">time</th><th>event</th>'
        "<th>details</th></tr></thead>",
        "<tbody>",
    ]
    for i, ev in enumerate(events[:TIMELINE_LIMIT]):
        fields = ev.get("fields")
        failed = isinstance(fields, dict) and fields.get("status") == "error"
        row = ' class="error"' if failed else ""
        out.append(
            f'<tr{row}><td class="num">{i}</td><td class="num">{ev.get("time_ms", 0)} ms</td>'
            f"<td class=\"mono\">{e(str(ev.get('name', '')))}</td>"
            f'<td class="details">{e(_details(fields))}</td></tr>'
        )
    out += ["</tbody>", "</table>"]
    if len(events) > TIMELINE_LIMIT:
        out.append(
            f'<p class="note">… and {len(events) - TIMELINE_LIMIT} more events'
            " (see events.json or the trace).</p>"
        )
    return out


def report_html(summary: dict[str, Any], *, events: list[dict[str, Any]] | None = None,
                profile: dict[str, Any] | None = None) -> str:
    """One self-contained page (inline style, no scripts, no external resources) that reads
    top-down: verdict, facts, scenarios, findings, the profile block's CPU per step when the
    run was measured, then the event timeline. A pure function of its inputs, so a stored
    page can be compared with a fresh rendering."""
    from fozzy.artifacts import render_profile as rp

    e = xml_escape
    ident = summary["identity"]
    status = summary["status"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>fozzy report</title>"
        f"<style>{_HTML_STYLE}{'' if profile is None else rp.PROFILE_STYLE}</style></head>",
        "<body>",
        f'<header><h1>fozzy report</h1><p id="status" class="badge {e(status)}">'
        f"status: {e(camel(status))}</p>"
        f'<span class="note">{e(summary["mode"])} · run {e(ident["runId"])}</span></header>',
        '<section id="summary"><h2>summary</h2><dl>',
        *(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _summary_rows(summary)),
        "</dl></section>",
    ]
    scenarios = summary.get("scenarios")
    if scenarios is not None:
        counts: dict[str, int] = {}
        for s in scenarios:
            counts[s["status"]] = counts.get(s["status"], 0) + 1
        tally = " ".join(f"{_badge(k)} {n}" for k, n in sorted(counts.items()))
        parts += [
            f'<section id="scenarios"><h2>scenarios ({len(scenarios)})</h2>',
            f"<p>{tally}</p>" if tally else '<p class="note">no scenarios</p>',
            *(_scenario_table(scenarios) if scenarios else []),
            "</section>",
        ]
    findings = summary.get("findings", [])
    parts += [
        f'<section id="findings"><h2>findings ({len(findings)})</h2>',
        '<ul class="findings">',
        *(_finding_item(f) for f in findings),
        *([] if findings else ["<li>no findings</li>"]),
        "</ul></section>",
        *([] if profile is None else rp.profile_html(profile)),
        '<section id="timeline"><h2>timeline</h2>',
    ]
    if events:
        parts += _timeline(events)
    elif scenarios is not None:
        parts.append(
            '<p class="note">a suite has no event stream of its own; each scenario\'s events'
            " are in its trace (record with <code>fozzy test --record</code>).</p>"
        )
    else:
        parts.append(
            '<p class="note">no events recorded for this run (a passing run keeps its events'
            " only with <code>--record</code> or <code>FOZZY_ARTIFACTS_FULL=1</code>).</p>"
        )
    parts += ["</section>", "</body>", "</html>", ""]
    return "\n".join(parts)
