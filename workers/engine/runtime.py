"""Per-run state of one scenario execution.

Everything a step can observe or change lives here and starts fresh for each run. Components
that `assert_throws` must roll back implement `checkpoint()`/`restore()`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from workers.engine.clock import Clock
from workers.engine.findings import Finding
from workers.engine.measure import StepMeter
from workers.engine.memory import MemoryModel
from workers.engine.net import NetSim
from workers.engine.rng import Rng
from workers.engine.vfs import VirtualFs

Decision = dict[str, Any]
Event = dict[str, Any]


class DecisionSource(Protocol):
    """The recorded decision log that drives a replay (see workers.engine.replay)."""

    def check(self, decision: Decision) -> None:
        """Compare a decision the engine just made with the recorded one; raise on drift."""

    def take(self, *kinds: str) -> Decision:
        """The next recorded decision, which must be one of `kinds`; raise on drift."""


class Checkpointable(Protocol):
    def checkpoint(self) -> Any: ...

    def restore(self, saved: Any) -> None: ...


class Runtime:
    """Mutable state of one run. Handlers read and write it directly: it is the engine's API."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.det: bool = bool(spec.get("det", False))
        self.seed: int = int(spec["seed"])
        self.scenario_path: str | None = spec.get("scenario_path")
        self.cwd: str = spec.get("cwd") or "."
        self.backends: dict[str, str] = {
            "proc": "scripted", "fs": "virtual", "http": "scripted", **spec.get("backends", {})
        }
        self.limits: dict[str, int] = dict(spec.get("limits") or {})
        self.timeout_ms: int | None = spec.get("timeout_ms")
        self.clock = Clock()
        self.rng = Rng(self.seed)
        self.kv: dict[str, str] = {}
        self.vfs = VirtualFs()
        self.http_rules: list[dict[str, Any]] = []
        self.proc_rules: list[dict[str, Any]] = []
        self.net = NetSim()
        self.mem = MemoryModel(spec.get("memory") or {})
        self.host: dict[str, Checkpointable] = {}
        self.decisions: list[Decision] = []
        self.events: list[Event] = []
        self.findings: list[Finding] = []
        self.replay: DecisionSource | None = None
        self.meter: StepMeter | None = None  # set by loop.execute when the run is measured
        self.executed = 0
        self.step_index = 0
        self.failed_step: int | None = None
        self.start_v = 0
        self.start_wall = time.monotonic()
        self._closers: list[Callable[[], None]] = []

    # -- scenario scope ------------------------------------------------------------------
    def on_close(self, fn: Callable[[], None]) -> None:
        """Have `fn` run when the run ends, whatever way it ends (host backends release what
        the scenario holds: directory fds, the processes it started)."""
        self._closers.append(fn)

    def close(self) -> None:
        """Run the closers, newest first; each runs once even if another raises."""
        closers, self._closers = self._closers, []
        errors: list[BaseException] = []
        for fn in reversed(closers):
            try:
                fn()
            except Exception as e:  # one failing release must not keep the rest held
                errors.append(e)
        if errors:
            raise errors[0]

    # -- logging -------------------------------------------------------------------------
    def emit(self, name: str, fields: dict[str, Any]) -> None:
        self.events.append({"time_ms": self.clock.now_ms, "name": name, "fields": fields})

    def decide(self, decision: Decision) -> None:
        """Log a decision; during replay it must equal the recorded one."""
        if self.replay is not None:
            self.replay.check(decision)
        self.decisions.append(decision)

    # -- deadlines -----------------------------------------------------------------------
    def deadline_wall(self) -> float | None:
        """Monotonic wall-clock deadline for in-flight host calls (det and non-det alike)."""
        if self.timeout_ms is None:
            return None
        return self.start_wall + self.timeout_ms / 1000.0

    def timed_out(self) -> bool:
        if self.timeout_ms is None:
            return False
        if self.det:
            return self.clock.now_ms - self.start_v >= self.timeout_ms
        return time.monotonic() >= self.start_wall + self.timeout_ms / 1000.0

    def sleep_wall(self, ms: int) -> None:
        """A real sleep that never outlives the run deadline (non-det mode)."""
        seconds = ms / 1000.0
        deadline = self.deadline_wall()
        if deadline is not None:
            seconds = min(seconds, max(0.0, deadline - time.monotonic()))
        if seconds > 0:
            time.sleep(seconds)

    # -- assert_throws support -----------------------------------------------------------
    def checkpoint(self) -> dict[str, Any]:
        return {
            "clock": self.clock.checkpoint(),
            "rng": self.rng.checkpoint(),
            "kv": dict(self.kv),
            "vfs": self.vfs.checkpoint(),
            "http_rules": [dict(r) for r in self.http_rules],
            "proc_rules": [dict(r) for r in self.proc_rules],
            "net": self.net.checkpoint(),
            "mem": self.mem.checkpoint(),
            "host": {k: v.checkpoint() for k, v in self.host.items()},
            "logs": (len(self.decisions), len(self.events), len(self.findings)),
            "executed": self.executed,
            "replay": self.replay,
        }

    def restore(self, saved: dict[str, Any]) -> None:
        self.clock.restore(saved["clock"])
        self.rng.restore(saved["rng"])
        self.kv = saved["kv"]
        self.vfs.restore(saved["vfs"])
        self.http_rules = saved["http_rules"]
        self.proc_rules = saved["proc_rules"]
        self.net.restore(saved["net"])
        self.mem.restore(saved["mem"])
        for k, v in saved["host"].items():
            self.host[k].restore(v)
        n_dec, n_ev, n_find = saved["logs"]
        del self.decisions[n_dec:]
        del self.events[n_ev:]
        del self.findings[n_find:]
        self.executed = saved["executed"]
        self.replay = saved["replay"]
