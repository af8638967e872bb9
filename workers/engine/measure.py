"""Measurements of one run: what each step cost in wall time, worker CPU and host processes.

These are measurements, not decisions (ARCHITECTURE rule 10): they live beside the decision
log, are never read by the engine, and differ from run to run. Replay, determinism audits and
`--jobs` equality never look at them; `fozzy profile` reads them.

The loop reads two clocks once per step boundary: `perf_counter_ns` for wall time and
`thread_time_ns` for the worker's own CPU. A step's record runs from the end of the previous
step to its own end, so it covers the engine's bookkeeping for the step (scheduler decision,
span events) as well as its handler, and every nanosecond of the loop belongs to some step.
The thread clock, because steps run on the worker's main thread (its other thread, the
coordinator watchdog, sleeps in `select`), and because it costs ~1-2 µs where
`process_time_ns` costs several on a virtualised host; short steps skip it (see `stop`).

Host processes cost more to measure and are measured where they run
(`workers.capabilities.host_proc`): the CPU (user + sys) of the child and every descendant
reaped while it ran (`RUSAGE_CHILDREN` before/after) and its peak RSS.
"""

from __future__ import annotations

import resource
import sys
import time
from typing import Any

#: Fields of a measurement record that change from run to run (docs/profiling.md).
NON_DETERMINISTIC = ("wallNs", "cpuNs", "cpuFromWall", "userNs", "sysNs", "peakRssBytes",
                     "rssSamples")
SCHEMA = "fozzy.measurements.v1"
#: Steps shorter than this (wall ns) report wall time as CPU instead of reading the CPU clock.
SHORT_STEP_NS = 20_000
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere


class StepMeter:
    """Collects one record per top-level step, plus the host processes each step ran."""

    __slots__ = ("_cpu_ref", "_host", "_pending", "_wall0", "steps")

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self._host: list[dict[str, Any]] = []
        self._wall0 = 0
        self._cpu_ref = 0
        self._pending = 0  # CPU ns given to short steps since the last CPU clock reading

    def begin(self) -> None:
        """Start the clocks: called once, before the first step."""
        self._wall0 = time.perf_counter_ns()
        self._cpu_ref = time.thread_time_ns()
        self._pending = 0

    def stop(self, index: int, kind: str) -> None:
        """Close the record of the step that just ended and start the next one's.

        A step shorter than `SHORT_STEP_NS` of wall time that ran no host process gets its
        wall time as its CPU time (`cpuFromWall`): one thread cannot use more CPU than wall
        time, and skipping the CPU clock there is what keeps the meter cheap. The next step
        that reads the clock is charged only what the short steps did not already account for.
        """
        wall = time.perf_counter_ns()
        elapsed = wall - self._wall0
        record: dict[str, Any] = {"index": index, "type": kind, "wallNs": elapsed}
        if elapsed < SHORT_STEP_NS and not self._host:
            record["cpuNs"] = elapsed
            record["cpuFromWall"] = True
            self._pending += elapsed
        else:
            cpu = time.thread_time_ns()
            # Two clocks read back to back disagree by a few µs; one thread's CPU never
            # really exceeds its wall time.
            record["cpuNs"] = min(elapsed, max(0, cpu - self._cpu_ref - self._pending))
            self._cpu_ref, self._pending = cpu, 0
        if self._host:
            record["host"] = self._host
            self._host = []
        self.steps.append(record)
        self._wall0 = wall

    def host(self, record: dict[str, Any]) -> None:
        """A host process the current step ran (see `HostUsage.record`)."""
        self._host.append(record)

    def result(self) -> dict[str, Any]:
        wall = cpu = host_cpu = peak = procs = 0
        for s in self.steps:
            wall += s["wallNs"]
            cpu += s["cpuNs"]
            for h in s.get("host", ()):
                host_cpu += h["userNs"] + h["sysNs"]
                peak = max(peak, h["peakRssBytes"])
                procs += 1
        return {
            "schema": SCHEMA,
            "totals": {"wallNs": wall, "cpuNs": cpu, "hostCpuNs": host_cpu,
                       "hostPeakRssBytes": peak, "hostProcesses": procs},
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
