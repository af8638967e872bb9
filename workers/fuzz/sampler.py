"""`--profile-cpu`: a statistical stack sampler for `fn:` targets.

`setitimer(ITIMER_PROF)` fires SIGPROF after every `period` of CPU time the worker burns;
the handler walks the interrupted Python stack and keeps only the target's own frames (the
files `fn:` coverage traces), so a sample says which user function was on CPU and through
which user callers. Samples that land outside user code (the fuzzer's own mutation and
bookkeeping) are counted as `otherSamples`, not attributed to anything. A fixed rate keeps
the overhead proportional and the weights honest: every sample stands for one period of CPU.

A frame is a function (qualified name, file, first line), not a line: flame graphs and pprof
aggregate by function, and reading the current line costs more in the handler. The result has
the shape `fozzy.analysis.profile.sampled` reads: frames once, stacks as frame-index lists
(root first), one count per distinct stack.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from types import FrameType
from typing import Any

#: Sampling period in CPU seconds (250 Hz): coarse enough to cost ~1 % of a CPU-bound target.
PERIOD_S = 0.004

Frame = tuple[str, str, int]


class StackSampler:
    """Samples while started; not reentrant (one per worker at a time)."""

    def __init__(self, files: frozenset[str], period_s: float = PERIOD_S) -> None:
        self.files = files
        self.period_s = period_s
        self.counts: Counter[tuple[Frame, ...]] = Counter()
        self.other = 0
        self._wanted: dict[str, bool] = {}
        self._previous: Any = None

    def _on_prof(self, signum: int, frame: FrameType | None) -> None:
        stack: list[Frame] = []
        wanted = self._wanted
        while frame is not None:
            code = frame.f_code
            name = code.co_filename
            keep = wanted.get(name)
            if keep is None:
                keep = wanted[name] = os.path.realpath(name) in self.files
            if keep:
                stack.append((code.co_qualname, name, code.co_firstlineno))
            frame = frame.f_back
        if stack:
            stack.reverse()
            self.counts[tuple(stack)] += 1
        else:
            self.other += 1

    def start(self) -> None:
        self._previous = signal.signal(signal.SIGPROF, self._on_prof)
        signal.setitimer(signal.ITIMER_PROF, self.period_s, self.period_s)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, self._previous or signal.SIG_DFL)

    def result(self) -> dict[str, Any]:
        frames: list[dict[str, Any]] = []
        index: dict[Frame, int] = {}
        stacks: list[list[int]] = []
        counts: list[int] = []
        for stack, count in sorted(self.counts.items(), key=lambda x: (-x[1], x[0])):
            ids = []
            for f in stack:
                if f not in index:
                    index[f] = len(frames)
                    frames.append({"name": f[0], "file": f[1], "line": f[2]})
                ids.append(index[f])
            stacks.append(ids)
            counts.append(count)
        return {"periodNs": round(self.period_s * 1e9), "frames": frames, "stacks": stacks,
                "counts": counts, "otherSamples": self.other}


def merge(parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Batches' sample sets as one (frames re-indexed by identity); None when there are none."""
    if not parts:
        return None
    total: Counter[tuple[Frame, ...]] = Counter()
    other = 0
    for part in parts:
        frames = [(f["name"], f["file"], int(f["line"])) for f in part["frames"]]
        for stack, count in zip(part["stacks"], part["counts"], strict=True):
            total[tuple(frames[i] for i in stack)] += int(count)
        other += int(part.get("otherSamples", 0))
    sampler = StackSampler(frozenset(), parts[0]["periodNs"] / 1e9)
    sampler.counts = total
    sampler.other = other
    return sampler.result()


def as_measurements(samples: dict[str, Any]) -> dict[str, Any]:
    """A campaign's `measurements` (the trace/run-dir member): no steps, only samples."""
    from workers.engine.measure import SCHEMA

    user = sum(samples["counts"])
    return {
        "schema": SCHEMA,
        "totals": {"samples": user, "otherSamples": samples["otherSamples"],
                   "sampledCpuNs": (user + samples["otherSamples"]) * samples["periodNs"]},
        "steps": [],
        "samples": samples,
    }
