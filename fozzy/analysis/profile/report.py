"""`profile top`, `timeline` and `env`: one run's profile, domain by domain."""

from __future__ import annotations

import platform
import sys
from typing import Any

from fozzy.analysis.profile import domains
from fozzy.analysis.profile.bundle import Bundle
from fozzy.errors import ArgumentError

NON_DETERMINISTIC_FIELDS = (
    "measurements.*.wallNs", "measurements.*.cpuNs", "measurements.*.host[].userNs",
    "measurements.*.host[].sysNs", "measurements.*.host[].wallNs",
    "measurements.*.host[].peakRssBytes", "measurements.*.host[].rssSamples",
    "measurements.samples", "summary.durationMs",
)


def wanted_domains(flags: dict[str, bool]) -> tuple[str, ...]:
    """The domains asked for; none asked for means all of them."""
    chosen = tuple(d for d in domains.DOMAINS if flags.get(d))
    return chosen or domains.DOMAINS


def require_domains(b: Bundle, chosen: tuple[str, ...], explicit: bool) -> list[dict[str, str]]:
    """Empty domains: an error when the user named them, else listed as empty."""
    missing = [d for d in chosen if domains.empty(b, d)]
    if explicit and missing:
        raise domains.empty_error(b, missing[0])
    return [{"domain": d, "reason": domains.empty_reason(b, d)} for d in missing]


def check_limit(limit: int) -> None:
    if limit < 1:
        raise ArgumentError(f"--limit must be at least 1, got {limit}")


def top(b: Bundle, chosen: tuple[str, ...], explicit: bool, limit: int) -> dict[str, Any]:
    check_limit(limit)
    empties = require_domains(b, chosen, explicit)
    empty_names = {e["domain"] for e in empties}
    out: dict[str, Any] = {"schemaVersion": "fozzy.profile_top.v1", "run": b.label,
                           "runId": b.run_id, "limit": limit, "domains": list(chosen)}
    if "cpu" in chosen and "cpu" not in empty_names:
        out["cpu"] = domains.cpu_rows(b)[:limit]
        if b.samples is not None:
            stacks = sorted(domains.sampled_stacks(b), key=lambda x: -x[1])
            out["cpuSampled"] = [{"stack": ";".join(f), "cpuMs": w / domains.NS_PER_MS}
                                 for f, w in stacks][:limit]
    if "heap" in chosen and "heap" not in empty_names:
        out["heap"] = domains.heap_hotspots(b)[:limit]
    if "latency" in chosen and "latency" not in empty_names:
        lat = domains.latency_report(b)
        lat["longestSpans"] = lat["longestSpans"][:limit]
        out["latency"] = lat
    for d, names in (("io", domains.IO_EVENTS), ("sched", domains.SCHED_EVENTS)):
        if d in chosen and d not in empty_names:
            out[d] = domains.counts(b, names)[:limit]
    out["emptyDomains"] = empties
    out["metrics"] = domains.metrics(b)
    out["nonDeterministicMetrics"] = [m for m in domains.MEASURED_METRICS if m in out["metrics"]]
    return out


def _kind(name: str) -> str:
    if name in ("span_start", "span_end"):
        return name
    if name in ("memory_alloc", "memory_free"):
        return "alloc" if name == "memory_alloc" else "free"
    if name in domains.IO_EVENTS:
        return "io"
    if name in domains.SCHED_EVENTS:
        return "sched"
    return "event"


def timeline_events(b: Bundle) -> list[dict[str, Any]]:
    """Events in virtual time with their span, plus each step's measured cost on its span."""
    cost = {f"step-{s['index']}": s for s in b.steps}
    stack: list[str] = []
    out = []
    for i, ev in enumerate(b.events):
        f = ev["fields"]
        if ev["name"] == "span_start":
            stack.append(str(f.get("span", f"e-{i}")))
        span = str(f.get("span")) if "span" in f else (stack[-1] if stack else f"e-{i}")
        row: dict[str, Any] = {"index": i, "tVirtualMs": ev["time_ms"], "kind": _kind(ev["name"]),
                               "name": ev["name"], "span": span}
        if ev["name"] == "span_end":
            if span in stack:
                del stack[stack.index(span):]
            measured = cost.get(span)
            if measured is not None:
                row["measured"] = {"wallNs": measured["wallNs"], "cpuNs": measured["cpuNs"]}
        out.append(row)
    return out


def timeline(b: Bundle) -> dict[str, Any]:
    return {"schemaVersion": "fozzy.profile_timeline.v1", "run": b.label, "runId": b.run_id,
            "timeDomains": {"tVirtualMs": "virtual (deterministic)",
                            "measured": "wall/CPU ns (not deterministic)"},
            "events": timeline_events(b)}


def env() -> dict[str, Any]:
    import signal

    sampler = hasattr(signal, "setitimer") and hasattr(signal, "ITIMER_PROF")
    return {
        "schemaVersion": "fozzy.profile_env.v1",
        "host": {"os": platform.system().lower(), "arch": platform.machine(),
                 "python": platform.python_version(), "implementation": sys.implementation.name},
        "determinismContract": {
            "replayBoundTo": "decisions",
            "deterministicMetrics": [m for m in domains.METRIC_DOMAIN
                                     if m not in domains.MEASURED_METRICS],
            "nonDeterministicMetrics": list(domains.MEASURED_METRICS),
            "nonDeterministicFields": list(NON_DETERMINISTIC_FIELDS),
        },
        "domains": {
            "cpu": {"available": True, "measured": True,
                    "source": "per-step perf_counter_ns / thread_time_ns in the worker;"
                              " host process trees via RUSAGE_CHILDREN and psutil RSS",
                    "sampler": {"available": sampler, "flag": "--profile-cpu",
                                "clock": "setitimer(ITIMER_PROF)", "targets": "fn: fuzz"}},
            "heap": {"available": True, "measured": False, "source": "memory model events"},
            "latency": {"available": True, "measured": False,
                        "source": "span_start/span_end in virtual time"},
            "io": {"available": True, "measured": False, "source": "io/net event counts"},
            "sched": {"available": True, "measured": False, "source": "scheduler event counts"},
        },
    }
