"""The `profile` block of `report show`: what a run's measurements say at a glance.

Built from the checked measurements (`bundle.check_measurements`, so a suite's document comes
flattened, each step naming its scenario) and nothing else: totals, the steps that cost the
most CPU (worker plus host processes) and the host processes with their CPU and peak RSS, and
for a run with `--profile-cpu` samples (a fuzz campaign) the costliest sampled stacks. The
same block feeds the JSON, the pretty text and the HTML report's bar chart, so the three
never disagree. Every number in it is measured, so none of it is deterministic.
"""

from __future__ import annotations

from typing import Any

from fozzy.analysis.profile.bundle import check_measurements, read_measurements
from fozzy.analysis.profile.sampled import folded
from fozzy.artifacts.selectors import Selection

#: Rows kept in `topSteps` and `hostProcesses`: enough to see where the time went, short
#: enough that a suite of thousands of scenarios still has a readable report.
TOP_N = 10
NS_PER_MS = 1_000_000


def _ms(ns: int) -> float:
    return ns / NS_PER_MS


def _where(step: dict[str, Any]) -> dict[str, Any]:
    return {**({"scenario": step["scenario"]} if "scenario" in step else {}),
            "step": step["index"], "type": step["type"]}


def profile_block(measurements: dict[str, Any]) -> dict[str, Any] | None:
    """The block for checked `measurements`, or None when they hold neither a measured step
    nor a sampled stack."""
    block = _steps_block(measurements["steps"]) if measurements["steps"] else {}
    samples = measurements.get("samples")
    if samples is not None:
        block["sampled"] = _sampled_block(samples)
    return block or None


def _steps_block(steps: list[dict[str, Any]]) -> dict[str, Any]:
    rows, procs = [], []
    wall_ns = worker_ns = host_total_ns = 0  # summed in ns: float ms sums pick up noise digits
    for s in steps:
        host_ns = sum(h["userNs"] + h["sysNs"] for h in s.get("host", []))
        wall_ns, worker_ns = wall_ns + s["wallNs"], worker_ns + s["cpuNs"]
        host_total_ns += host_ns
        rows.append({**_where(s), "cpuMs": _ms(s["cpuNs"] + host_ns),
                     "workerCpuMs": _ms(s["cpuNs"]), "hostCpuMs": _ms(host_ns),
                     "wallMs": _ms(s["wallNs"])})
        procs += [{**_where(s), "cmd": h["cmd"], "cpuMs": _ms(h["userNs"] + h["sysNs"]),
                   "wallMs": _ms(h["wallNs"]), "peakRssBytes": h["peakRssBytes"]}
                  for h in s.get("host", [])]
    totals = {
        "steps": len(rows), "wallMs": _ms(wall_ns), "cpuMs": _ms(worker_ns + host_total_ns),
        "workerCpuMs": _ms(worker_ns), "hostCpuMs": _ms(host_total_ns),
        "hostProcesses": len(procs),
        "hostPeakRssBytes": max((p["peakRssBytes"] for p in procs), default=0),
    }
    rows.sort(key=lambda r: -r["cpuMs"])
    procs.sort(key=lambda p: -p["cpuMs"])
    return {"totals": totals, "topSteps": rows[:TOP_N], "hostProcesses": procs[:TOP_N]}


def _sampled_block(samples: dict[str, Any]) -> dict[str, Any]:
    """Sampled CPU in the target's own frames, the costliest stacks first (frames root first,
    `;`-joined as in `profile top`); `otherSamples` are ticks outside the target's frames."""
    stacks = sorted(folded(samples, []), key=lambda x: -x[1])
    return {
        "samples": sum(samples["counts"]),
        "otherSamples": samples.get("otherSamples", 0),
        "cpuMs": _ms(sum(ns for _, ns in stacks)),
        "periodMs": _ms(int(samples["periodNs"])),
        "topStacks": [{"stack": ";".join(f), "cpuMs": _ms(ns)} for f, ns in stacks[:TOP_N]],
    }


def selection_profile(sel: Selection) -> dict[str, Any] | None:
    """The block for a selected run or trace; None when it recorded no measurements."""
    measurements, _ = read_measurements(sel)
    return None if measurements is None else profile_block(measurements)


def execution_profile(measurements: dict[str, Any] | None) -> dict[str, Any] | None:
    """The block for the measurements a mode just produced (the finalizer's HTML report)."""
    if measurements is None:
        return None
    return profile_block(check_measurements(measurements, "this run's measurements"))
