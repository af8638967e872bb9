"""Virtual-time spans of a run: the span tree, its latency distribution and critical path.

Spans come from `span_start`/`span_end` events (the loop's one span per step, plus any a
scenario emits itself with `trace_event`). The tree is rooted at the whole run. The critical
path is computed the way trace viewers do it: walk back from the end of a span, take the child
that finished last before the cursor, descend into it, then continue from that child's start;
time no child covers is the span's own. So it names the chain of spans that decided when the
run ended, not every span sorted by size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROOT = "run"


@dataclass
class Span:
    span_id: str
    name: str
    start: int
    end: int
    parent: str | None
    status: str = "ok"
    children: list[Span] = field(default_factory=list)

    @property
    def duration(self) -> int:
        return self.end - self.start


def build(events: list[dict[str, Any]], end_ms: int) -> Span:
    """The span tree; a span never closed ends with the run (a failing step's span is closed
    by the loop; a user span may not be)."""
    last = max([end_ms, *(int(e["time_ms"]) for e in events)])
    root = Span(ROOT, ROOT, 0, last, None)
    by_id: dict[str, Span] = {ROOT: root}
    stack: list[Span] = [root]
    for ev in events:
        name, fields, t = ev["name"], ev["fields"], int(ev["time_ms"])
        if name == "span_start":
            sid = str(fields.get("span") or f"span-{len(by_id)}")
            label = fields.get("step_kind") or fields.get("name") or sid
            if "step_index" in fields:
                label = f"step[{fields['step_index']}] {label}"
            parent = by_id.get(str(fields.get("parent_span", "")), stack[-1])
            span = Span(sid, str(label), t, last, parent.span_id)
            parent.children.append(span)
            by_id[sid] = span
            stack.append(span)
        elif name == "span_end":
            closing = by_id.get(str(fields.get("span", stack[-1].span_id)))
            if closing is None or closing is root:
                continue
            closing.end = max(closing.start, t)
            closing.status = str(fields.get("status", "ok"))
            if closing in stack:
                del stack[stack.index(closing):]
    return root


def all_spans(root: Span) -> list[Span]:
    out: list[Span] = []
    todo = list(reversed(root.children))
    while todo:
        span = todo.pop()
        out.append(span)
        todo.extend(reversed(span.children))
    return out


def critical_path(root: Span) -> list[dict[str, Any]]:
    """Segments of the critical path in time order: `{span, name, startMs, endMs, selfMs}`,
    where `selfMs` is the part of the span on the path not covered by a child on it."""
    segments: list[dict[str, Any]] = []
    _walk(root, root.end, segments)
    segments.reverse()
    return [s for s in segments if s["selfMs"] > 0 or s["span"] != ROOT]


def _walk(span: Span, cursor: int, out: list[dict[str, Any]]) -> None:
    children = sorted(span.children, key=lambda c: (c.end, c.start), reverse=True)
    covered = 0
    stop = min(cursor, span.end)
    for child in children:
        if child.end > stop or child.duration <= 0:
            continue
        covered += child.duration
        _walk(child, child.end, out)
        stop = child.start
    out.append({"span": span.span_id, "name": span.name, "startMs": span.start,
                "endMs": span.end, "durationMs": span.duration,
                "selfMs": max(0, span.duration - covered)})


def percentile(sorted_values: list[int], p: float) -> int:
    if not sorted_values:
        return 0
    return sorted_values[round((len(sorted_values) - 1) * p)]


def distribution(root: Span) -> dict[str, Any]:
    values = sorted(s.duration for s in all_spans(root))
    return {
        "count": len(values),
        "p50Ms": percentile(values, 0.50),
        "p95Ms": percentile(values, 0.95),
        "p99Ms": percentile(values, 0.99),
        "maxMs": values[-1] if values else 0,
        "totalMs": root.duration,
    }
