"""The replay decision source: recorded runs replay exactly; every kind of drift is caught."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.enginekit import run, titles
from workers.engine.findings import StepFailed
from workers.engine.replay import Replay, attach_replay
from workers.engine.runtime import Runtime

STEPS: list[dict[str, Any]] = [
    {"type": "trace_event", "name": "setup", "fields": {"b": 1, "a": 2}},
    {"type": "rand_u64", "key": "r"},
    {"type": "sleep", "duration": "10ms"},
    {"type": "advance", "duration": "1s"},
    {"type": "set_kv", "key": "k", "value": "v"},
    {"type": "assert_throws", "steps": [
        {"type": "rand_u64"}, {"type": "sleep", "duration": "5ms"},
        {"type": "fail", "message": "x"},
    ]},
    {"type": "net_send", "from": "a", "to": "b", "payload": "ping"},
    {"type": "net_deliver_one"},
    {"type": "memory_alloc", "bytes": 64, "key": "buf"},
    {"type": "memory_free", "key": "buf"},
    {"type": "rand_u64"},
]


def replay(
    decisions: list[dict[str, Any]], steps: list[dict[str, Any]] = STEPS, seed: int = 5,
    **extra: Any,
) -> dict[str, Any]:
    return run(steps, seed=seed, replay={"decisions": decisions, **extra})


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    result = run(STEPS, seed=5)
    assert result["status"] == "pass", result["findings"]
    return result


def test_replay_reproduces_decisions_and_events(recorded: dict[str, Any]) -> None:
    out = replay(recorded["decisions"])
    assert out["status"] == "pass", out["findings"]
    assert out["decisions"] == recorded["decisions"]
    assert out["events"] == recorded["events"]
    assert out["virtualMs"] == recorded["virtualMs"]
    kinds = [d["kind"] for d in recorded["decisions"]]
    assert kinds.count("scheduler_pick") == len(STEPS)
    assert "net_deliver_pick" in kinds and "memory_alloc" in kinds


def test_value_drift_fails_the_step_with_a_checker_finding(recorded: dict[str, Any]) -> None:
    log = copy.deepcopy(recorded["decisions"])
    i = next(i for i, d in enumerate(log) if d["kind"] == "rand_u64")
    log[i]["value"] ^= 1
    out = replay(log)
    assert out["status"] == "fail"
    (f,) = out["findings"]
    assert (f["kind"], f["title"]) == ("checker", "replay_drift")
    assert f"decision #{i + 1} (step 2)" in f["message"]
    assert "recorded rand_u64" in f["message"]


def test_a_different_seed_drifts_on_the_first_random_value(recorded: dict[str, Any]) -> None:
    out = replay(recorded["decisions"], seed=6)
    assert out["status"] == "fail" and titles(out) == ["replay_drift"]


def test_changed_duration_is_value_drift(recorded: dict[str, Any]) -> None:
    steps = copy.deepcopy(STEPS)
    steps[2]["duration"] = "11ms"
    out = replay(recorded["decisions"], steps)
    assert out["status"] == "fail"
    assert "time_sleep_ms(ms=10)" in out["findings"][0]["message"]


def test_missing_step_decision_is_value_drift(recorded: dict[str, Any]) -> None:
    log = [d for d in recorded["decisions"] if d["kind"] != "time_sleep_ms"]
    out = replay(log)
    assert out["status"] == "fail" and titles(out) == ["replay_drift"]
    assert "recorded scheduler_pick(task_id=4" in out["findings"][0]["message"]


def test_mismatched_pick_is_structural_drift_reported_as_error(
    recorded: dict[str, Any],
) -> None:
    log = copy.deepcopy(recorded["decisions"])
    i = next(i for i, d in enumerate(log) if d.get("task_id") == 5)
    log[i]["task_id"] = 9
    out = replay(log)
    assert out["status"] == "error"
    assert out["error"] == (
        f"replay drift at decision #{i + 1}: expected SchedulerPick(task_id=5, label=set_kv),"
        " got scheduler_pick(task_id=9, label='set_kv')"
    )


def test_swapped_steps_are_structural_drift(recorded: dict[str, Any]) -> None:
    steps = [STEPS[1], STEPS[0], *STEPS[2:]]
    out = replay(recorded["decisions"], steps)
    assert out["status"] == "error"
    assert out["error"] == (
        "replay drift at decision #1: expected SchedulerPick(task_id=1, label=rand_u64),"
        " got scheduler_pick(task_id=1, label='trace_event')"
    )


def test_log_ending_early_is_structural_drift(recorded: dict[str, Any]) -> None:
    out = replay(recorded["decisions"][:1])
    assert out["status"] == "error"
    assert out["error"].endswith(
        "expected SchedulerPick(task_id=2, label=rand_u64), missing SchedulerPick decision"
    )


def test_unused_decisions_fail_the_replay(recorded: dict[str, Any]) -> None:
    out = replay(recorded["decisions"], STEPS[:-1])
    assert out["status"] == "fail"
    assert titles(out) == ["replay_unused_decisions"]
    assert out["findings"][0]["message"] == "replay finished with 2 unused decisions"


def test_until_budget_stops_before_the_next_step(recorded: dict[str, Any]) -> None:
    out = replay(recorded["decisions"], until_ms=0)
    assert out["status"] == "timeout"
    assert [(f["kind"], f["title"]) for f in out["findings"]] == [("hang", "until")]
    assert out["decisions"] == []


def test_generous_until_budget_changes_nothing(recorded: dict[str, Any]) -> None:
    assert replay(recorded["decisions"], until_ms=600_000)["status"] == "pass"


SLOW = [{"type": "sleep", "duration": "10ms"}, {"type": "rand_u64"}]


def test_run_deadline_hit_between_steps_replays_as_timeout() -> None:
    rec = run(SLOW, seed=1, timeout_ms=5)
    assert rec["status"] == "timeout"
    out = replay(rec["decisions"], SLOW, seed=1, recorded_status="timeout")
    assert out["status"] == "timeout"
    assert [(f["kind"], f["title"]) for f in out["findings"]] == [("hang", "timeout")]
    assert out["decisions"] == rec["decisions"]
    # without the recorded status the shortened log is a structural mismatch
    assert replay(rec["decisions"], SLOW, seed=1)["status"] == "error"


def test_run_deadline_hit_after_the_last_step_replays_as_timeout() -> None:
    rec = run(SLOW[:1], seed=1, timeout_ms=5)
    assert rec["status"] == "timeout"
    out = replay(rec["decisions"], SLOW[:1], seed=1, recorded_status="timeout")
    assert out["status"] == "timeout"


def test_recorded_failure_replays_as_the_same_failure() -> None:
    steps: list[dict[str, Any]] = [{"type": "rand_u64"}, {"type": "assert_eq_int", "a": 1, "b": 2},
             {"type": "rand_u64"}]
    rec = run(steps, seed=2)
    out = replay(rec["decisions"], steps, seed=2, recorded_status="fail")
    assert (out["status"], out["findings"]) == ("fail", rec["findings"])


def test_legacy_step_decisions_line_up_by_index() -> None:
    steps = [{"type": "rand_u64"}, {"type": "set_kv", "key": "k", "value": "v"}]
    rec = run(steps, seed=3)
    value = rec["decisions"][1]["value"]
    legacy = [{"kind": "step", "index": 0, "name": "rand_u64"},
              {"kind": "rand_u64", "value": value},
              {"kind": "step", "index": 1, "name": "set_kv"}]
    assert replay(legacy, steps, seed=3)["status"] == "pass"
    legacy[2]["index"] = 4
    out = replay(legacy, steps, seed=3)
    assert out["status"] == "error" and out["error"].startswith("replay drift at step 1:")


def test_drift_findings_name_the_scenario_file(recorded: dict[str, Any]) -> None:
    log = copy.deepcopy(recorded["decisions"])
    del log[-1]
    out = run(STEPS, seed=5, scenario_path="s.fozzy.json", replay={"decisions": log})
    assert out["findings"][0]["location"] == {"file": "s.fozzy.json"}


def runtime_with(log: list[dict[str, Any]]) -> Runtime:
    rt = Runtime({"scenario": {"version": 1, "name": "t", "steps": []}, "seed": 1, "det": True})
    attach_replay(rt, {"decisions": log})
    return rt


PROC = {"kind": "proc_spawn", "cmd": "git", "args": ["status"], "exit_code": 0,
        "stdout": "", "stderr": ""}


def test_take_hands_recorded_outcomes_to_replay_backends() -> None:
    rt = runtime_with([PROC, {"kind": "rand_u64", "value": 1}])
    taken = rt.replay.take("proc_spawn", "proc_spawn_timeout") if rt.replay else None
    assert taken is not None and taken["cmd"] == "git"
    assert taken["duration_ms"] == 0 and taken["peak_rss_bytes"] == 0  # * fields default
    rt.decide(taken)  # the backend logs it as the live path would, without consuming more
    rt.decide({"kind": "rand_u64", "value": 1})
    assert isinstance(rt.replay, Replay) and rt.replay.unused() == 0
    assert [d["kind"] for d in rt.decisions] == ["proc_spawn", "rand_u64"]


def test_take_of_the_wrong_kind_is_value_drift() -> None:
    rt = runtime_with([{"kind": "rand_u64", "value": 1}])
    assert rt.replay is not None
    with pytest.raises(StepFailed) as e:
        rt.replay.take("http_request", "http_request_timeout")
    assert e.value.finding["title"] == "replay_drift"
    assert "replay needs http_request or http_request_timeout" in e.value.finding["message"]
    with pytest.raises(StepFailed):
        runtime_with([]).decide({"kind": "rand_u64", "value": 1})
