"""What each profile domain measures, computed from one run's bundle.

cpu     measured: per step, the worker thread's CPU plus the CPU (user + sys) of the host
        processes the step ran; sampled Python stacks when the run was sampled. Not
        deterministic.
heap    the memory model's allocations (deterministic, bytes).
latency virtual-time spans (deterministic, ms): distribution and critical path.
io      io/net events by name (deterministic counts).
sched   scheduler events by name (deterministic counts).

Stacks name where the cost is: `scenario <name>` → `step[<i>] <type>` → `host <cmd>` or the
sampled Python frames.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fozzy.analysis.profile import spans
from fozzy.analysis.profile.bundle import Bundle
from fozzy.analysis.profile.heap import allocations
from fozzy.analysis.profile.sampled import folded as sampled_folded
from fozzy.errors import ArgumentError

DOMAINS = ("cpu", "heap", "latency", "io", "sched")
IO_EVENTS = frozenset({"http_request", "proc_spawn", "capability_http", "capability_proc",
                       "capability_fs", "net_send", "net_drop", "net_deliver", "capability_net"})
SCHED_EVENTS = frozenset({"sched_pick", "deliver", "partition", "heal", "crash", "restart",
                          "sched_wait", "sched_starvation", "drop"})
EMPTY_REASONS = {
    "cpu": "no cpu measurements in this run (recorded before measurements, or not a steps run)",
    "heap": "no heap allocations in this run",
    "latency": "no spans with virtual time in this run",
    "io": "no io events in this run",
    "sched": "no scheduler events in this run",
}
#: Metrics that differ from run to run of the same trace (docs/profiling.md).
MEASURED_METRICS = ("cpu_time_ms", "worker_cpu_ms", "host_cpu_ms", "wall_time_ms",
                    "peak_rss_bytes", "sampled_cpu_ms")
NO_EVENT_STREAM = ("the run kept no event stream (a passing run keeps events.json only with"
                   " --profile-capture full)")
NS_PER_MS = 1_000_000


def empty_reason(b: Bundle, domain: str) -> str:
    if domain != "cpu" and not b.has_events:
        return NO_EVENT_STREAM
    return EMPTY_REASONS[domain]


def empty_error(b: Bundle, domain: str) -> ArgumentError:
    return ArgumentError(f"profile domain {domain} is empty for {b.label}: "
                         f"{empty_reason(b, domain)}")


def host_cpu_ns(step: dict[str, Any]) -> int:
    return sum(int(h["userNs"]) + int(h["sysNs"]) for h in step.get("host", []))


def step_frame(step: dict[str, Any]) -> str:
    return f"step[{step['index']}] {step['type']}"


def scenario_frame(b: Bundle, step: dict[str, Any]) -> str:
    """The root frame of a step's stacks: its own scenario in a suite's flattened
    measurements, else the run's."""
    return f"scenario {step.get('scenario', b.scenario)}"


def cpu_rows(b: Bundle) -> list[dict[str, Any]]:
    """One row per step, most CPU first (worker plus host processes)."""
    rows = []
    for s in b.steps:
        host = s.get("host", [])
        host_ns = host_cpu_ns(s)
        rows.append({
            "stack": ";".join([scenario_frame(b, s), step_frame(s)]),
            "step": s["index"], "type": s["type"],
            "cpuMs": (s["cpuNs"] + host_ns) / NS_PER_MS,
            "workerCpuMs": s["cpuNs"] / NS_PER_MS,
            "hostCpuMs": host_ns / NS_PER_MS,
            "wallMs": s["wallNs"] / NS_PER_MS,
            "hostProcesses": [h["cmd"] for h in host],
            "peakRssBytes": max((h["peakRssBytes"] for h in host), default=0),
        })
    rows.sort(key=lambda r: (-r["cpuMs"], r["step"]))
    return rows


def cpu_stacks(b: Bundle) -> list[tuple[list[str], int]]:
    """(frames, CPU ns) per leaf: each step's own worker CPU, each host process, samples."""
    out: list[tuple[list[str], int]] = []
    for s in b.steps:
        frame, step_root = step_frame(s), scenario_frame(b, s)
        if s["cpuNs"] > 0:
            out.append(([step_root, frame], s["cpuNs"]))
        for h in s.get("host", []):
            ns = h["userNs"] + h["sysNs"]
            if ns > 0:
                out.append(([step_root, frame, f"host {h['cmd']}"], ns))
    return out + sampled_stacks(b)


def sampled_stacks(b: Bundle) -> list[tuple[list[str], int]]:
    """(frames, CPU ns) per distinct `--profile-cpu` stack, under the scenario's frame."""
    if b.samples is None:
        return []
    return sampled_folded(b.samples, [f"scenario {b.scenario}"])


def heap_allocs(b: Bundle) -> list[dict[str, Any]]:
    return allocations(b.events)


def heap_hotspots(b: Bundle) -> list[dict[str, Any]]:
    by_site: dict[str, dict[str, Any]] = {}
    for a in heap_allocs(b):
        site = by_site.setdefault(a["callsite"], {"callsite": a["callsite"], "allocCount": 0,
                                                  "allocBytes": 0, "inUseBytes": 0})
        site["allocCount"] += 1
        site["allocBytes"] += a["bytes"]
        if not a["freed"]:
            site["inUseBytes"] += a["bytes"]
    return sorted(by_site.values(),
                  key=lambda s: (-s["inUseBytes"], -s["allocBytes"], s["callsite"]))


def heap_stacks(b: Bundle) -> list[tuple[list[str], int]]:
    return [([f"scenario {b.scenario}", f"callsite {h['callsite']}"], h["allocBytes"])
            for h in heap_hotspots(b) if h["allocBytes"] > 0]


def span_tree(b: Bundle) -> spans.Span:
    root = spans.build(b.events, b.virtual_ms)
    root.name = f"scenario {b.scenario}"  # the same root frame as the other domains' stacks
    return root


def latency_report(b: Bundle) -> dict[str, Any]:
    root = span_tree(b)
    longest = sorted(spans.all_spans(root), key=lambda s: (-s.duration, s.start))
    return {
        "distribution": spans.distribution(root),
        "criticalPath": spans.critical_path(root),
        "longestSpans": [{"span": s.span_id, "name": s.name, "startMs": s.start,
                          "durationMs": s.duration, "status": s.status} for s in longest],
    }


def latency_stacks(b: Bundle) -> list[tuple[list[str], int]]:
    """Self virtual time per span path (ms), for flame graphs of where virtual time went."""
    out: list[tuple[list[str], int]] = []

    def walk(span: spans.Span, path: list[str]) -> None:
        here = [*path, span.name]
        own = span.duration - sum(c.duration for c in span.children)
        if own > 0:
            out.append((here, own))
        for c in span.children:
            walk(c, here)

    walk(span_tree(b), [])
    return out


def counts(b: Bundle, names: frozenset[str]) -> list[dict[str, Any]]:
    c = Counter(ev["name"] for ev in b.events if ev["name"] in names)
    return [{"name": n, "count": k} for n, k in sorted(c.items(), key=lambda x: (-x[1], x[0]))]


def empty(b: Bundle, domain: str) -> bool:
    if domain == "cpu":
        return b.measurements is None or (not b.steps and b.samples is None)
    if domain == "heap":
        return not heap_allocs(b)
    if domain == "latency":
        return not spans.all_spans(span_tree(b))
    return not counts(b, IO_EVENTS if domain == "io" else SCHED_EVENTS)


def metrics(b: Bundle) -> dict[str, float]:
    """The numbers `diff` compares. Measured ones (MEASURED_METRICS) only when recorded;
    event-derived ones only when the run kept its event stream (an absent stream is not a
    run without events: reading it as zeros made a replay look like an improvement)."""
    out: dict[str, float] = {}
    if b.steps:
        worker = sum(s["cpuNs"] for s in b.steps)
        host = sum(host_cpu_ns(s) for s in b.steps)
        out["cpu_time_ms"] = (worker + host) / NS_PER_MS
        out["worker_cpu_ms"] = worker / NS_PER_MS
        out["host_cpu_ms"] = host / NS_PER_MS
        out["wall_time_ms"] = sum(s["wallNs"] for s in b.steps) / NS_PER_MS
        out["peak_rss_bytes"] = float(max(
            (h["peakRssBytes"] for s in b.steps for h in s.get("host", [])), default=0))
    if b.samples is not None:
        out["sampled_cpu_ms"] = sum(b.samples["counts"]) * b.samples["periodNs"] / NS_PER_MS
    if not b.has_events:
        return out
    allocs = heap_allocs(b)
    out["alloc_bytes"] = float(sum(a["bytes"] for a in allocs))
    out["in_use_bytes"] = float(sum(a["bytes"] for a in allocs if not a["freed"]))
    dist = spans.distribution(span_tree(b))
    for key in ("p50", "p95", "p99", "max"):
        out[f"{key}_latency_ms"] = float(dist[f"{key}Ms"])
    out["io_ops"] = float(sum(r["count"] for r in counts(b, IO_EVENTS)))
    out["sched_ops"] = float(sum(r["count"] for r in counts(b, SCHED_EVENTS)))
    return out


METRIC_DOMAIN = {
    "cpu_time_ms": "cpu", "worker_cpu_ms": "cpu", "host_cpu_ms": "cpu", "wall_time_ms": "cpu",
    "peak_rss_bytes": "cpu", "sampled_cpu_ms": "cpu", "alloc_bytes": "heap", "in_use_bytes": "heap",
    "p50_latency_ms": "latency", "p95_latency_ms": "latency", "p99_latency_ms": "latency",
    "max_latency_ms": "latency", "io_ops": "io", "sched_ops": "sched",
}
