"""Which shifted metric `profile explain` names as the cause: a latency rise that measured CPU
time mostly accounts for is the CPU's doing, whatever the relative shares say (they depend on
how busy the machine was while the heavier run waited for a core)."""

from __future__ import annotations

from typing import Any

from fozzy.analysis.profile.explain import _cause


def row(metric: str, domain: str, left: float, right: float) -> dict[str, Any]:
    return {"metric": metric, "domain": domain, "left": left, "right": right,
            "delta": right - left, "deltaPct": (right - left) / left * 100}


def test_a_latency_rise_matched_by_cpu_is_named_cpu() -> None:
    latency = row("max_latency_ms", "latency", 19.0, 134.5)  # +608 %
    cpu = row("host_cpu_ms", "cpu", 16.0, 104.0)             # +550 %, 88 of the 115 ms
    assert _cause([latency, cpu]) is cpu


def test_a_latency_rise_cpu_does_not_explain_stays_latency() -> None:
    latency = row("max_latency_ms", "latency", 19.0, 134.5)
    cpu = row("host_cpu_ms", "cpu", 16.0, 40.0)  # 24 of the 115 ms: the process waited
    assert _cause([latency, cpu]) is latency


def test_otherwise_the_largest_relative_shift_wins() -> None:
    heap = row("alloc_bytes", "heap", 1000.0, 9000.0)
    cpu = row("cpu_time_ms", "cpu", 10.0, 20.0)
    assert _cause([cpu, heap]) is heap
