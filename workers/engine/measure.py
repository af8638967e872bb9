"""Measurements of one run: what each step cost in wall time, worker CPU and host processes.

These are measurements, not decisions (ARCHITECTURE rule 10): they live beside the decision
log, are never read by the engine, and differ from run to run. Replay, determinism audits and
`--jobs` equality never look at them; `fozzy profile` reads them.

Per step the loop reads two clocks on entry and exit: `perf_counter_ns` for wall time and
`thread_time_ns` for the worker's own CPU. The thread clock, because steps run on the worker's
main thread (its other thread, the coordinator watchdog, sleeps in `select`), and because it
costs ~1 µs where `process_time_ns` costs several on a virtualised host: the meter stays on for
every recorded run. Host processes cost more to measure and are measured where they run
(`workers.capabilities.host_proc`): the CPU (user + sys) of the child and every descendant
reaped while it ran (`RUSAGE_CHILDREN` before/after) and its peak RSS.
"""

from __future__ import annotations

import resource
import sys
import time
from typing import Any

#: Fields of a measurement record that change from run to run (docs/profiling.md).
NON_DETERMINISTIC = ("wallNs", "cpuNs", "userNs", "sysNs", "peakRssBytes", "rssSamples")
SCHEMA = "fozzy.measurements.v1"
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere


class StepMeter:
    """Collects one record per top-level step, plus the host processes each step ran."""

    __slots__ = ("_cpu0", "_host", "_wall0", "steps")

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self._host: list[dict[str, Any]] = []
        self._wall0 = 0
        self._cpu0 = 0

    def start(self) -> None:
        self._host = []
        self._wall0 = time.perf_counter_ns()
        self._cpu0 = time.thread_time_ns()

    def stop(self, index: int, kind: str) -> None:
        cpu = time.thread_time_ns() - self._cpu0
        wall = time.perf_counter_ns() - self._wall0
        record: dict[str, Any] = {"index": index, "type": kind, "wallNs": wall, "cpuNs": cpu}
        if self._host:
            record["host"] = self._host
        self.steps.append(record)

    def host(self, record: dict[str, Any]) -> None:
        """A host process the current step ran (see `HostUsage.record`)."""
        self._host.append(record)

    def result(self) -> dict[str, Any]:
        host = [h for s in self.steps for h in s.get("host", ())]
        return {
            "schema": SCHEMA,
            "totals": {
                "wallNs": sum(s["wallNs"] for s in self.steps),
                "cpuNs": sum(s["cpuNs"] for s in self.steps),
                "hostCpuNs": sum(h["userNs"] + h["sysNs"] for h in host),
                "hostPeakRssBytes": max((h["peakRssBytes"] for h in host), default=0),
                "hostProcesses": len(host),
            },
            "steps": self.steps,
        }


class HostUsage:
    """CPU and peak RSS of the host processes started between `__init__` and `record`.

    `RUSAGE_CHILDREN` counts every child this worker reaped and the descendants those
    reaped in turn, so the difference across one `run_process` is that process tree (a step
    runs one process at a time). Processes a step leaves running for the scenario scope are
    counted only once they are reaped, which happens after the last step, so they are not.
    `ru_maxrss` of children is the largest single child ever reaped: it says something about
    this process only when it grew during the call; otherwise the sampled tree peak stands.
    """

    __slots__ = ("_before", "_t0")

    def __init__(self) -> None:
        self._before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._t0 = time.perf_counter_ns()

    def record(self, cmd: str, sampled_peak: int, samples: int) -> dict[str, Any]:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = sampled_peak
        if after.ru_maxrss > self._before.ru_maxrss:
            peak = max(peak, after.ru_maxrss * _MAXRSS_UNIT)
        return {
            "cmd": cmd,
            "wallNs": time.perf_counter_ns() - self._t0,
            "userNs": _ns(after.ru_utime - self._before.ru_utime),
            "sysNs": _ns(after.ru_stime - self._before.ru_stime),
            "peakRssBytes": peak,
            "rssSamples": samples,
        }


def _ns(seconds: float) -> int:
    return max(0, round(seconds * 1e9))
