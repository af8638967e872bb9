"""Replay: the recorded decision log drives a re-run of the embedded scenario.

Every decision the engine makes is checked against the log in order (`Replay.check`, called
from `Runtime.decide`). Backends named `"replay"` read recorded outcomes with `take` instead
of touching the host, then log them with `rt.decide` exactly as the live path does.

Three kinds of disagreement, three outcomes:
- structural drift (a step's `scheduler_pick` does not match): the run cannot be lined up
  with its trace at all, so it is an error (`ReplayDiverged`), not a finding;
- value drift (a rand value, a duration, a host request differs, or a step's decision is
  missing): the step fails with checker `replay_drift`;
- decisions left over at the end: checker `replay_unused_decisions`.
"""

from __future__ import annotations

import time
from typing import Any

from workers.engine.findings import CHECKER, HANG, StepFailed, finding
from workers.engine.runtime import Decision, Runtime

PICK = "scheduler_pick"
LEGACY_STEP = "step"

# Members that older writers could omit, with the value they mean (§4.3 fields marked *).
_DEFAULTS: dict[str, dict[str, Any]] = {
    "fs_write": {"duration_ms": 0},
    "fs_read_assert": {"duration_ms": 0},
    "fs_snapshot": {"duration_ms": 0},
    "fs_restore": {"duration_ms": 0},
    "http_request": {"headers": {}, "duration_ms": 0},
    "http_request_timeout": {"duration_ms": 0},
    "proc_spawn": {"peak_rss_bytes": 0, "rss_sample_count": 0, "duration_ms": 0},
    "proc_spawn_timeout": {"peak_rss_bytes": 0, "rss_sample_count": 0, "duration_ms": 0},
}


class ReplayDiverged(Exception):
    """Structural drift: the scenario's steps no longer line up with the recorded log."""


def describe(d: Decision | None) -> str:
    if d is None:
        return "end of log"
    inner = ", ".join(f"{k}={v!r}" for k, v in d.items() if k != "kind")
    return f"{d.get('kind')}({inner})"


def _with_defaults(d: Decision) -> Decision:
    defaults = _DEFAULTS.get(str(d.get("kind")))
    return {**defaults, **d} if defaults else d


class Replay:
    """The cursor over a recorded log (a `workers.engine.runtime.DecisionSource`)."""

    def __init__(self, rt: Runtime, spec: dict[str, Any]) -> None:
        self.rt = rt
        self.log: list[Decision] = [_with_defaults(d) for d in spec.get("decisions") or []]
        self.pos = 0
        self.legacy = not any(d.get("kind") == PICK for d in self.log)
        until = spec.get("until_ms")
        self.until_ms: int | None = None if until is None else int(until)
        self.recorded_status: str | None = spec.get("recorded_status")
        self.started = time.monotonic()
        self.until_hit = False
        self.pending: Decision | None = None

    # -- DecisionSource --------------------------------------------------------------------
    def check(self, decision: Decision) -> None:
        if self.pending is not None:
            taken, self.pending = self.pending, None
            if decision == taken:
                return
        if decision.get("kind") == PICK:
            self._pick(decision)
            return
        expected = self._peek()
        if expected is None or expected.get("kind") == PICK or expected != decision:
            produced = describe(decision)
            raise self._drift(f"recorded {describe(expected)}, replay produced {produced}")
        self.pos += 1

    def take(self, *kinds: str) -> Decision:
        expected = self._peek()
        if expected is None or expected.get("kind") not in kinds:
            wanted = " or ".join(kinds)
            raise self._drift(f"recorded {describe(expected)}, replay needs {wanted}")
        self.pos += 1
        self.pending = expected
        return expected

    # -- internals -------------------------------------------------------------------------
    def _peek(self) -> Decision | None:
        return self.log[self.pos] if self.pos < len(self.log) else None

    def location(self) -> dict[str, Any] | None:
        if self.rt.scenario_path is None:
            return None
        return {"file": self.rt.scenario_path}

    def _drift(self, detail: str) -> StepFailed:
        return StepFailed(
            CHECKER, "replay_drift",
            f"replay drift at decision #{self.pos + 1} (step {self.rt.step_index + 1}): {detail}",
            self.location(),
        )

    def _pick(self, decision: Decision) -> None:
        task_id = decision["task_id"]
        if self.until_ms is not None and (time.monotonic() - self.started) * 1000 >= self.until_ms:
            self.until_hit = True
            raise StepFailed(
                HANG, "until",
                f"replay stopped before step {task_id}: --until budget of {self.until_ms}ms spent",
                self.location(),
            )
        got = self._peek()
        if got is None and self.recorded_status == "timeout":
            # The recorded run hit its deadline before this step: so does the replay.
            raise StepFailed(HANG, "timeout", "scenario timed out (as recorded)", self.location())
        if self.legacy:
            if got is None or got.get("kind") != LEGACY_STEP or got.get("index") != task_id - 1:
                raise ReplayDiverged(
                    f"replay drift at step {task_id - 1}: expected step decision with index"
                    f" {task_id - 1}, got {describe(got)} (decision #{self.pos + 1})"
                )
        elif got is None:
            raise ReplayDiverged(
                f"replay drift at decision #{self.pos + 1}: expected"
                f" SchedulerPick(task_id={task_id}, label={decision['label']}),"
                " missing SchedulerPick decision"
            )
        elif (
            got.get("kind") != PICK
            or got.get("task_id") != task_id
            or got.get("label", decision["label"]) != decision["label"]
        ):
            raise ReplayDiverged(
                f"replay drift at decision #{self.pos + 1}: expected"
                f" SchedulerPick(task_id={task_id}, label={decision['label']}),"
                f" got {describe(got)}"
            )
        self.pos += 1

    def unused(self) -> int:
        return len(self.log) - self.pos


def attach_replay(rt: Runtime, spec: dict[str, Any]) -> None:
    """Make `rt` replay the log in `spec` (`{decisions, until_ms?, recorded_status?}`)."""
    rt.replay = Replay(rt, spec)


def finish_replay(rt: Runtime, status: str) -> str:
    """The replay's final status: leftovers become `replay_unused_decisions`, an exhausted
    `--until` budget is a timeout, and any `replay_*` checker finding fails a passing run."""
    source = rt.replay
    if not isinstance(source, Replay):
        return status
    if source.until_hit:
        return "timeout"
    if status == "pass" and source.recorded_status == "timeout" and not source.unused():
        # The recorded deadline fell after the last step; the replay ends the same way.
        rt.findings.append(
            finding(HANG, "timeout", "scenario timed out (as recorded)", source.location())
        )
        return "timeout"
    drifted = any(f["title"] == "replay_drift" for f in rt.findings)
    left = source.unused()
    if left and not drifted and status != "timeout":
        rt.findings.append(finding(
            CHECKER, "replay_unused_decisions",
            f"replay finished with {left} unused decisions", source.location(),
        ))
    if status == "pass" and any(
        f["kind"] == CHECKER and f["title"].startswith("replay_") for f in rt.findings
    ):
        return "fail"
    return status
