"""The step loop: run one normalized scenario to a status, findings, decisions and events."""

from __future__ import annotations

import time
from typing import Any

from workers.engine.findings import ASSERTION, HANG, StepFailed, finding
from workers.engine.measure import StepMeter
from workers.engine.oracles import target_misbehaviour
from workers.engine.replay import ReplayDiverged, attach_replay, finish_replay
from workers.engine.runtime import Runtime
from workers.steps.registry import Step, registry

PASS, FAIL, TIMEOUT = "pass", "fail", "timeout"

NO_WORK_MESSAGE = (
    "scenario declared only contract/mocking steps and executed no runtime work; use executable"
    " steps such as `proc_spawn`, `http_request`, or fs/assertion steps instead of a"
    " declaration-only scenario"
)


def _timeout_finding() -> dict[str, Any]:
    return finding(HANG, "timeout", "scenario timed out")


def run_steps(rt: Runtime, steps: list[Step]) -> str:
    """Execute top-level steps in order; returns the status before memory finalization.

    `rt.failed_step` names the top-level step that failed (None when the failure came after
    the steps, from the memory checks or the service oracle): shrink keeps it fixed, so a
    reproducer never trades the failing step for another.

    This loop runs for every step of every fuzz exec, so it appends each step's events
    itself (the entries `rt.emit` makes, into the same list) and checks the deadline only
    when the run has one: those calls were 6% of a small scenario's run."""
    reg = registry()
    clock = rt.clock
    events = rt.events
    rt.start_v = clock.now_ms
    limited = rt.timeout_ms is not None
    meter = rt.meter
    if meter is not None:
        meter.begin()
    for idx, s in enumerate(steps):
        if limited and rt.timed_out():
            rt.findings.append(_timeout_finding())
            rt.failed_step = idx
            return TIMEOUT
        kind = s["type"]
        sdef = reg[kind]
        rt.step_index = idx
        try:
            rt.decide({"kind": "scheduler_pick", "task_id": idx + 1, "label": kind})
        except StepFailed as stop:  # replay: `--until` spent or the recorded deadline hit
            rt.findings.append(stop.finding)
            rt.failed_step = idx
            return TIMEOUT if stop.finding["kind"] == HANG else FAIL
        span = f"step-{idx}"
        started = clock.now_ms
        events.append({"time_ms": started, "name": "sched_pick", "fields": {
            "step_index": idx, "step_kind": kind, "task_id": idx + 1}})
        events.append({"time_ms": started, "name": "span_start", "fields": {
            "span": span, "step_index": idx, "step_kind": kind, "task": "step"}})
        try:
            sdef.run(rt, s)
        except StepFailed as failure:
            if meter is not None:
                meter.stop(idx, kind)
            rt.emit(
                "span_end",
                {"duration_ms": clock.now_ms - started, "span": span, "status": "error"},
            )
            rt.findings.append(failure.finding)
            rt.failed_step = idx
            return TIMEOUT if failure.is_timeout else FAIL
        if meter is not None:
            meter.stop(idx, kind)
        if sdef.counts_as_work:
            rt.executed += 1
        now = clock.now_ms
        events.append({"time_ms": now, "name": "span_end", "fields": {
            "duration_ms": now - started, "span": span, "status": "ok"}})
        if limited and rt.timed_out():
            rt.findings.append(_timeout_finding())
            rt.failed_step = idx
            return TIMEOUT
    if rt.executed == 0 and any(reg[s["type"]].declaration for s in steps):
        rt.findings.append(finding(ASSERTION, "no_steps_executed", NO_WORK_MESSAGE))
        return FAIL
    return PASS


def run_scenario(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one job item (see workers.protocol.RunSpec) and return its result dict.

    With `trim` set (a suite that records nothing) the event stream, the decision log and the
    memory sidecar data stay in the worker: only what the report needs crosses the pipe. Such
    a run is not measured either: there is nowhere its measurements would be kept.
    """
    trim = bool(spec.get("trim"))
    result = execute(spec, measure=not trim)[1]
    if trim:
        result["events"] = []
        result["decisions"] = []
        if result["memory"] is not None:
            result["memory"] = {"summary": result["memory"]["summary"]}
    return result


def execute(
    spec: dict[str, Any], memory_report: bool = True, measure: bool = True
) -> tuple[Runtime, dict[str, Any]]:
    """Run one job item; also hand back the final runtime for callers (the fuzzer) that read
    end state beyond the result. Without `memory_report` the result's `memory` is None, and
    without `measure` its `measurements`: the fuzzer reads only status, findings and the logs,
    and builds no trace from them."""
    t0 = time.perf_counter_ns()
    rt = Runtime(spec)
    if measure:
        rt.meter = StepMeter()
    try:
        return _execute(rt, spec, memory_report, t0)
    finally:
        rt.close()


def _execute(
    rt: Runtime, spec: dict[str, Any], memory_report: bool, t0: int
) -> tuple[Runtime, dict[str, Any]]:
    replay = spec.get("replay")
    if replay is not None:
        attach_replay(rt, replay)
    try:
        status = run_steps(rt, spec["scenario"]["steps"])
    except ReplayDiverged as drift:
        # Not a finding: the trace no longer describes this scenario. The coordinator turns
        # status `error` with its message into a command error (exit 2).
        return rt, {**_result(rt, "error", None, t0), "error": str(drift)}
    if status == PASS and spec.get("service_oracle"):
        misbehaved = target_misbehaviour(rt.decisions)
        if misbehaved is not None:
            rt.findings.append(misbehaved)
            status = FAIL
    status, memory = rt.mem.finish(rt, status, memory_report)
    if replay is not None:
        status = finish_replay(rt, status)
    return rt, _result(rt, status, memory, t0)


def _result(
    rt: Runtime, status: str, memory: dict[str, Any] | None, t0: int
) -> dict[str, Any]:
    return {
        "status": status,
        "findings": rt.findings,
        "decisions": rt.decisions,
        "events": rt.events,
        "memory": memory,
        "virtualMs": rt.clock.now_ms,
        "executed": rt.executed,
        "failedStep": rt.failed_step,
        "wallNs": time.perf_counter_ns() - t0,
        "measurements": None if rt.meter is None else rt.meter.result(),
    }
