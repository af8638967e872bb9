"""The self-contained HTML timeline: spans as bars on the virtual clock, each step's measured
wall and CPU time beside it, and the event table. No scripts, no external resources."""

from __future__ import annotations

from html import escape

from fozzy.analysis.profile import domains, report, spans
from fozzy.analysis.profile.bundle import Bundle

_STYLE = """body{font:13px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin-top:1em}td,th{padding:2px 8px;border-bottom:1px solid #ddd;
text-align:left;font-variant-numeric:tabular-nums}.bar{position:relative;height:14px;width:480px;
background:#f3f3f3}.bar span{position:absolute;top:0;height:14px;background:#e8743b}
.bar span.err{background:#c0392b}.note{color:#666}"""


def render(b: Bundle) -> str:
    root = domains.span_tree(b)
    total = max(1, root.duration)
    measured = {f"step-{s['index']}": s for s in b.steps}
    rows = []
    for span in spans.all_spans(root):
        left = 100.0 * span.start / total
        width = max(0.4, 100.0 * span.duration / total)
        m = measured.get(span.span_id)
        wall = f"{m['wallNs'] / 1e6:.3f}" if m else ""
        cpu = f"{(m['cpuNs'] + domains.host_cpu_ns(m)) / 1e6:.3f}" if m else ""
        cls = ' class="err"' if span.status == "error" else ""
        rows.append(
            f"<tr><td>{escape(span.name)}</td><td>{span.start}</td><td>{span.duration}</td>"
            f'<td><div class="bar"><span{cls} style="left:{left:.2f}%;width:{width:.2f}%">'
            f"</span></div></td><td>{wall}</td><td>{cpu}</td></tr>")
    events = "".join(
        f"<tr><td>{e['index']}</td><td>{e['tVirtualMs']}</td><td>{escape(e['kind'])}</td>"
        f"<td>{escape(e['name'])}</td><td>{escape(e['span'])}</td></tr>"
        for e in report.timeline_events(b))
    title = escape(f"fozzy timeline: {b.scenario}")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1>"
        f'<p class="note">run {escape(b.run_id)} · seed {b.seed} · status {escape(b.status)} ·'
        f" virtual time {root.duration} ms. Bars are virtual time (deterministic); wall and CPU"
        " columns are measured (they differ between runs).</p>"
        "<table><tr><th>span</th><th>start ms</th><th>virtual ms</th><th>timeline</th>"
        f"<th>wall ms</th><th>cpu ms</th></tr>{''.join(rows)}</table>"
        "<h2>Events</h2><table><tr><th>#</th><th>t ms</th><th>kind</th><th>name</th>"
        f"<th>span</th></tr>{events}</table></body></html>\n"
    )
