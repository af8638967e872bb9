"""OTLP traces in the OTLP/JSON encoding (`resourceSpans → scopeSpans → spans`).

One trace per run (traceId from the run id), one span per span of the run's span tree, with
the OTLP/JSON conventions receivers expect: lower-case hex ids, int64 times as decimal
strings, enum values as integers. Span times are the run's start plus *virtual* time (the
`fozzy.time_domain` attribute says so); a step's measured wall and CPU time ride along as
attributes, because the virtual clock is what orders a deterministic run.
"""

from __future__ import annotations

from typing import Any

import blake3

from fozzy.analysis.profile import domains, spans
from fozzy.analysis.profile.bundle import Bundle

SPAN_KIND_INTERNAL = 1
STATUS_OK, STATUS_ERROR = 1, 2
NS_PER_MS = 1_000_000


def _attr(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def trace_id(run_id: str) -> str:
    hexed = run_id.replace("-", "").lower()
    if len(hexed) == 32 and all(c in "0123456789abcdef" for c in hexed):
        return hexed
    return blake3.blake3(run_id.encode()).hexdigest()[:32]


def span_id(run_id: str, sid: str) -> str:
    return blake3.blake3(f"{run_id}/{sid}".encode()).hexdigest()[:16]


def export(b: Bundle) -> dict[str, Any]:
    from fozzy import __version__

    root = domains.span_tree(b)
    if not spans.all_spans(root):
        raise domains.empty_error(b, "latency")
    tid = trace_id(b.run_id or b.label)
    measured = {f"step-{s['index']}": s for s in b.steps}
    out: list[dict[str, Any]] = []

    def emit(span: spans.Span, parent: str | None) -> None:
        attrs = [_attr("fozzy.time_domain", "virtual"), _attr("fozzy.span", span.span_id)]
        m = measured.get(span.span_id)
        if m is not None:
            attrs += [_attr("fozzy.step.index", m["index"]), _attr("fozzy.step.type", m["type"]),
                      _attr("fozzy.measured.wall_ns", m["wallNs"]),
                      _attr("fozzy.measured.cpu_ns", m["cpuNs"])]
        record: dict[str, Any] = {
            "traceId": tid, "spanId": span_id(tid, span.span_id), "name": span.name,
            "kind": SPAN_KIND_INTERNAL,
            "startTimeUnixNano": str(b.started_unix_ns + span.start * NS_PER_MS),
            "endTimeUnixNano": str(b.started_unix_ns + span.end * NS_PER_MS),
            "attributes": attrs,
            "status": {"code": STATUS_ERROR if span.status == "error" else STATUS_OK},
        }
        if parent is not None:
            record["parentSpanId"] = parent
        out.append(record)
        for child in span.children:
            emit(child, record["spanId"])

    emit(root, None)
    resource = [_attr("service.name", "fozzy"), _attr("service.version", __version__),
                _attr("fozzy.run_id", b.run_id), _attr("fozzy.scenario", b.scenario),
                _attr("fozzy.seed", str(b.seed)), _attr("fozzy.status", b.status)]
    return {"resourceSpans": [{
        "resource": {"attributes": resource},
        "scopeSpans": [{"scope": {"name": "fozzy.profile", "version": __version__},
                        "spans": out}],
    }]}
