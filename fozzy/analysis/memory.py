"""`fozzy memory graph|diff|top` over a run's simulated-memory record (modes spec §4.5).

Sources, best first: the run directory's sidecars (`memory.leaks.json`, `memory.graph.json`,
`memory.timeline.json`, written with `--mem-artifacts` and verified by their manifest
digests), then the trace's embedded `memory` (summary, leaks, graph; it keeps no timeline),
then the summary's `memory` numbers alone. Nothing anywhere → an error, never empty numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fozzy.artifacts.listing import ArtifactError
from fozzy.artifacts.rundir import MEMORY_GRAPH, MEMORY_LEAKS, MEMORY_TIMELINE
from fozzy.artifacts.selectors import Selection, read_json
from fozzy.errors import ArgumentError

_EMPTY_GRAPH: dict[str, Any] = {"nodes": [], "edges": []}


@dataclass
class MemoryData:
    run: str
    summary: dict[str, Any]
    leaks: list[dict[str, Any]] = field(default_factory=list)
    graph: dict[str, Any] = field(default_factory=lambda: dict(_EMPTY_GRAPH))
    timeline: list[dict[str, Any]] = field(default_factory=list)


def _embedded(sel: Selection) -> dict[str, Any] | None:
    doc = sel.trace()
    memory = doc.get("memory") if doc is not None else None
    return memory if isinstance(memory, dict) else None


def has_memory(sel: Selection) -> bool:
    """Whether a run recorded memory at all (aliases only pick such runs)."""
    return isinstance(sel.summary.get("memory"), dict) or _embedded(sel) is not None


def _sidecar(sel: Selection, name: str, shape: type) -> Any:
    f = sel.file(name)
    if f is None:
        return None
    value = read_json(f.path)
    if not isinstance(value, shape):
        raise ArtifactError(f"{f.path} is not a JSON {'array' if shape is list else 'object'}")
    return value


def load(sel: Selection) -> MemoryData:
    embedded = _embedded(sel) or {}
    summary = sel.summary.get("memory") or embedded.get("summary")
    if not isinstance(summary, dict):
        raise ArtifactError(f'"{sel.label}" does not contain memory data (run with --mem-track)')
    leaks = _sidecar(sel, MEMORY_LEAKS, list)
    graph = _sidecar(sel, MEMORY_GRAPH, dict)
    timeline = _sidecar(sel, MEMORY_TIMELINE, list)
    return MemoryData(
        run=sel.label,
        summary=summary,
        leaks=leaks if leaks is not None else list(embedded.get("leaks") or []),
        graph=graph if graph is not None else dict(embedded.get("graph") or _EMPTY_GRAPH),
        timeline=timeline or [],
    )


def graph_report(data: MemoryData) -> dict[str, Any]:
    return {"run": data.run, "graph": data.graph}


def diff_report(left: MemoryData, right: MemoryData) -> dict[str, Any]:
    """Right minus left: positive deltas mean the right run leaks or peaks more."""
    def n(d: MemoryData, key: str) -> int:
        return int(d.summary.get(key, 0))

    return {
        "left": left.run,
        "right": right.run,
        "leftLeakedBytes": n(left, "leakedBytes"),
        "rightLeakedBytes": n(right, "leakedBytes"),
        "leftLeakedAllocs": n(left, "leakedAllocs"),
        "rightLeakedAllocs": n(right, "leakedAllocs"),
        "leftPeakBytes": n(left, "peakBytes"),
        "rightPeakBytes": n(right, "peakBytes"),
        "deltaLeakedBytes": n(right, "leakedBytes") - n(left, "leakedBytes"),
        "deltaLeakedAllocs": n(right, "leakedAllocs") - n(left, "leakedAllocs"),
        "deltaPeakBytes": n(right, "peakBytes") - n(left, "peakBytes"),
    }


def top_report(data: MemoryData, limit: int) -> dict[str, Any]:
    """The biggest memory holders: leaked allocations and measured host-process peaks; just
    the run's peak when neither exists but memory was used."""
    if limit < 1:
        raise ArgumentError(f"--limit must be at least 1, got {limit}")
    entries: list[dict[str, Any]] = []
    for leak in data.leaks:
        fields = {"allocId": leak.get("allocId"), "callsiteHash": leak.get("callsiteHash")}
        if leak.get("tag") is not None:
            fields["tag"] = leak["tag"]
        entries.append({
            "kind": "leak",
            "label": leak.get("tag") or f"alloc {leak.get('allocId')}",
            "bytes": int(leak.get("bytes", 0)),
            "fields": fields,
        })
    for item in data.timeline:
        if item.get("kind") != "host_proc_peak":
            continue
        f = item.get("fields") or {}
        entries.append({
            "kind": "host_proc_peak",
            "label": " ".join([str(f.get("cmd", "")), *map(str, f.get("args") or [])]),
            "bytes": int(f.get("peakBytes", 0)),
            "fields": f,
        })
    peak = int(data.summary.get("peakBytes", 0))
    if not entries and peak > 0:
        entries.append({"kind": "peak", "label": "peak", "bytes": peak, "fields": {}})
    entries.sort(key=lambda e: (-e["bytes"], e["label"]))
    return {"run": data.run, "limit": limit, "total": len(entries), "entries": entries[:limit]}
