"""Under scripted backends the mock is the system: the scenario fuzzer varies only inputs that
reach a real system, and a mutant no scripted rule answers is rejected, not a finding."""

from __future__ import annotations

import random
from typing import Any

from workers.fuzz.bytes_mutators import MutationContext
from workers.fuzz.mocks import is_rejected, real_step_types
from workers.fuzz.scenario_batch import run_scenario_input
from workers.fuzz.scenario_mutators import (
    SCENARIO_MUTATORS,
    ScenarioInput,
    applies,
    mutate_scenario,
)
from workers.steps.parse import parse_steps

RAW: list[dict[str, Any]] = [
    {"type": "proc_when", "cmd": "git", "args": ["status"], "exit_code": 0, "stdout": "ok"},
    {"type": "proc_spawn", "cmd": "git", "args": ["status"], "expect_stdout": "ok"},
    {"type": "http_when", "method": "GET", "path": "/v1", "status": 200},
    {"type": "http_request", "method": "GET", "path": "/v1", "body": "x", "expect_status": 200},
    {"type": "set_kv", "key": "user", "value": "alice"},
    {"type": "get_kv_assert", "key": "user", "equals": "alice"},
    {"type": "fs_write", "path": "a.txt", "data": "hi"},
    {"type": "memory_alloc", "bytes": 64},
    {"type": "net_send", "from": "a", "to": "b", "payload": "p"},
    {"type": "trace_event", "name": "setup"},
]


def steps() -> list[dict[str, Any]]:
    return parse_steps(RAW, "/steps")


def target(backends: dict[str, str]) -> dict[str, Any]:
    doc = {"version": 1, "name": "t", "steps": steps()}
    return {"kind": "scenario", "doc": doc, "run": {
        "det": True, "backends": backends, "memory": {}, "limits": {}, "replay": None,
        "timeout_ms": None, "scenario_path": None, "cwd": ".", "service_oracle": True}}


def test_scripted_and_simulated_families_reach_no_real_system() -> None:
    assert real_step_types({}) == frozenset()
    assert real_step_types({"proc": "scripted", "http": "scripted", "fs": "virtual"}) == set()


def test_host_backends_put_their_families_in_reach() -> None:
    reach = real_step_types({"proc": "host", "fs": "host"})
    assert {"proc_spawn", "fs_write"} <= reach
    assert "http_request" not in reach
    assert not reach & {"set_kv", "memory_alloc", "net_send", "trace_event"}


def test_under_scripted_backends_only_the_seed_varies() -> None:
    base = ScenarioInput(1, steps(), real_step_types({}))
    assert base.input_slots() == [] and base.movable_steps() == []
    assert not applies(base, ["field", "duplicate_step", "swap_steps"])
    assert applies(base, SCENARIO_MUTATORS)
    rng = random.Random(0)
    for _ in range(200):
        made = mutate_scenario(base, rng, MutationContext(), SCENARIO_MUTATORS, ())
        assert made is not None and made[1] == "seed" and made[0].steps == base.steps
        assert made[0].reach == base.reach


def test_a_host_family_is_mutated_and_keeps_its_reach() -> None:
    reach = real_step_types({"proc": "host"})
    base = ScenarioInput(1, steps(), reach)
    slots = {(path, f.name) for path, f in base.input_slots()}
    assert slots == {((1,), "args")}
    made = mutate_scenario(base, random.Random(3), MutationContext(), ("field",), ())
    assert made is not None and made[0].reach == reach
    assert made[0].steps[1]["args"] != base.steps[1]["args"]
    assert made[0].steps[3] == base.steps[3]  # the scripted http request is left alone


def test_a_mutant_no_rule_answers_is_rejected_the_scenario_itself_is_not() -> None:
    t = target({})
    mutant = steps()
    mutant[1]["args"] = ["stat"]
    out = run_scenario_input(t, ScenarioInput(1, mutant))
    assert out.status == "fail" and out.finding is not None
    assert out.finding["title"] == "proc_unmatched" and out.rejected
    assert not run_scenario_input(t, ScenarioInput(1, steps())).rejected
    broken = target({})
    broken["doc"]["steps"] = mutant  # a scenario that is wrong as written keeps its finding
    assert not run_scenario_input(broken, ScenarioInput(1, mutant)).rejected


def test_only_unmatched_titles_of_mutants_are_rejections() -> None:
    orig = steps()
    other = [*orig, {"type": "trace_event", "name": "x", "fields": None}]
    assert is_rejected({"title": "http_unmatched"}, other, orig)
    assert not is_rejected({"title": "http_unmatched"}, orig, orig)
    assert not is_rejected({"title": "proc_stdout"}, other, orig)
    assert not is_rejected(None, other, orig)
