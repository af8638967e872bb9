"""The shared validator: registry checks, recursion, JSON pointers, declaration-only lists,
versions, and the run/test gate."""

from __future__ import annotations

from typing import Any

import pytest

from fozzy.errors import ArgumentError, FozzyError, ScenarioError
from fozzy.scenario.load import parse_scenario
from fozzy.scenario.validate import (
    ScenarioArgumentInvalid,
    ScenarioInvalid,
    require_steps,
    validate_scenario,
)
from workers.steps.registry import CheckError, Step, StepDef, T, registry, req

SLEEP = {"type": "sleep", "duration": "5ms"}


def scenario(steps: list[dict[str, Any]], version: int = 1) -> Any:
    return parse_scenario({"version": version, "name": "n", "steps": steps}, "f.fozzy.json")


def invalid(
    steps: list[dict[str, Any]], version: int = 1
) -> ScenarioInvalid | ScenarioArgumentInvalid:
    with pytest.raises(FozzyError) as info:
        validate_scenario(scenario(steps, version))
    err = info.value
    assert isinstance(err, (ScenarioInvalid, ScenarioArgumentInvalid))
    return err


def _noop(rt: Any, s: Step) -> None:
    pass


@pytest.fixture
def decl(monkeypatch: pytest.MonkeyPatch) -> str:
    """A declaration step (as `http_when`/`proc_when` are), so the rule is tested generically."""
    sdef = StepDef("fake_when", (req("what", T.STR),), _noop, declaration=True)
    monkeypatch.setitem(registry(), "fake_when", sdef)
    return "fake_when"


def test_valid_scenario_passes() -> None:
    validate_scenario(scenario([SLEEP, {"type": "assert_throws", "steps": [
        {"type": "fail", "message": "x"}]}]))
    validate_scenario(scenario([]))


def test_nested_duration_error_is_an_argument_error_with_pointer() -> None:
    err = invalid([SLEEP, {"type": "assert_throws", "steps": [
        {"type": "sleep", "duration": "5us"}]}])
    assert isinstance(err, ArgumentError) and isinstance(err, ScenarioArgumentInvalid)
    assert err.pointer == "/steps/1/steps/0/duration"
    expected = 'invalid argument: invalid duration unit "us" (expected ms|s|m|h)'
    assert err.render().startswith(expected)
    assert "f.fozzy.json" in err.render()
    assert "/steps/1/steps/0/duration" in err.render()


def test_deeply_nested_rejects_block() -> None:
    inner = {"type": "assert_rejects", "steps": [SLEEP, {"type": "advance", "duration": "1.5s"}]}
    err = invalid([{"type": "assert_throws", "steps": [SLEEP, inner]}])
    assert isinstance(err, ScenarioArgumentInvalid)
    assert err.pointer == "/steps/0/steps/1/steps/1/duration"


def test_get_kv_assert_equals_and_is_null() -> None:
    err = invalid([{"type": "get_kv_assert", "key": "k", "equals": "v", "is_null": True}])
    assert isinstance(err, ScenarioInvalid)
    assert err.pointer == "/steps/0/is_null"
    assert "GetKvAssert: cannot set both equals and is_null=true" in err.render()
    assert err.render().startswith("scenario error: ")


def test_poll_zero_is_rejected() -> None:
    err = invalid([{"type": "assert_eventually_kv", "key": "k", "equals": "v",
                    "within": "1s", "poll": "0ms"}])
    assert err.pointer == "/steps/0/poll"
    assert "poll must be greater than 0" in err.message


def test_first_error_wins_in_step_order() -> None:
    err = invalid([{"type": "sleep", "duration": "x"}, {"type": "advance", "duration": "y"}])
    assert err.pointer == "/steps/0/duration"


def test_steps_version_is_checked() -> None:
    err = invalid([SLEEP], version=2)
    assert isinstance(err, ScenarioInvalid)
    assert err.pointer == "/version"
    assert "unsupported scenario version 2 (expected 1)" in err.message


def test_check_error_without_field_points_at_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    def check(s: Step) -> None:
        raise CheckError(None, "whole step is wrong")

    monkeypatch.setitem(registry(), "fake_checked", StepDef("fake_checked", (), _noop, check))
    err = invalid([SLEEP, {"type": "fake_checked"}])
    assert err.pointer == "/steps/1"
    assert "whole step is wrong" in err.message


def test_duration_fields_checked_even_without_a_step_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sdef = StepDef("fake_wait", (req("wait", T.DURATION),), _noop)
    monkeypatch.setitem(registry(), "fake_wait", sdef)
    err = invalid([{"type": "fake_wait", "wait": "10"}])
    assert isinstance(err, ArgumentError)
    assert "missing unit" in err.message


def test_declaration_only_list_is_rejected(decl: str) -> None:
    err = invalid([{"type": decl, "what": "a"}, {"type": decl, "what": "b"}])
    assert err.pointer == "/steps"
    assert "`proc_when` and `http_when` are declarations" in err.message


def test_any_non_declaration_makes_a_list_acceptable(decl: str) -> None:
    validate_scenario(scenario([{"type": decl, "what": "a"}, {"type": "trace_event", "name": "e"}]))


def test_declaration_rule_applies_to_nested_lists(decl: str) -> None:
    err = invalid([SLEEP, {"type": "assert_throws", "steps": [{"type": decl, "what": "a"}]}])
    assert err.pointer == "/steps/1/steps"
    validate_scenario(scenario([SLEEP, {"type": "assert_throws", "steps": []}]))


def test_errors_are_reported_in_step_order(decl: str) -> None:
    err = invalid([SLEEP, {"type": "assert_throws", "steps": [
        {"type": decl, "what": "a"}]}, {"type": "sleep", "duration": "bad"}])
    assert "declarations" in err.message
    err = invalid([{"type": "sleep", "duration": "bad"}, {"type": "assert_throws", "steps": [
        {"type": decl, "what": "a"}]}])
    assert isinstance(err, ArgumentError)


@pytest.mark.skipif(
    not {"http_when", "proc_when"} <= set(registry()), reason="http/proc families not registered"
)
def test_spec_example_http_and_proc_declarations_only() -> None:
    err = invalid([
        {"type": "http_when", "method": "GET", "path": "/x", "status": 204},
        {"type": "proc_when", "cmd": "true", "exit_code": 0},
    ])
    assert "`proc_when` and `http_when` are declarations" in err.message


def test_memory_free_needs_exactly_one_target() -> None:
    err = invalid([{"type": "memory_free"}])
    assert "MemoryFree: set exactly one of alloc_id or key" in err.message


def test_distributed_version_and_rules() -> None:
    raw: dict[str, Any] = {"version": 2, "name": "d", "distributed": {"node_count": 2, "steps": []}}
    with pytest.raises(ScenarioInvalid, match=r"unsupported distributed scenario version 2"):
        validate_scenario(parse_scenario(raw, "d.json"))
    raw = {"version": 1, "name": "d", "distributed": {"steps": []}}
    with pytest.raises(ScenarioInvalid) as info:
        validate_scenario(parse_scenario(raw, "d.json"))
    assert info.value.pointer == "/distributed"
    assert "distributed requires either nodes:[...] or node_count" in info.value.message
    raw = {"version": 1, "name": "d", "distributed": {"node_count": 1, "steps": [
        {"type": "tick", "duration": "1 s"}]}}
    with pytest.raises(ScenarioArgumentInvalid) as arg:
        validate_scenario(parse_scenario(raw, "d.json"))
    assert arg.value.pointer == "/distributed/steps/0/duration"


def test_suites_are_never_valid() -> None:
    scn = parse_scenario({"version": 1, "name": "s", "suites": []}, "s.json")
    with pytest.raises(ScenarioError) as info:
        validate_scenario(scn)
    assert "scenario file s.json uses `suites` without an executable step DSL" in info.value.message
    assert "`steps` or `distributed` for execution" in info.value.message


def test_require_steps_gate() -> None:
    require_steps(scenario([SLEEP]))
    dist = parse_scenario({"version": 1, "name": "d", "distributed": {"steps": []}}, "d.json")
    with pytest.raises(ScenarioError) as info:
        require_steps(dist)
    assert info.value.message == (
        "scenario file d.json is a distributed scenario; use `fozzy explore`"
    )
    suites = parse_scenario({"version": 1, "name": "s", "suites": None}, "s.json")
    with pytest.raises(ScenarioError, match=r"v0\.1 only supports `steps`\)"):
        require_steps(suites)
    with pytest.raises(ScenarioError, match="unsupported scenario version 3 \\(expected 1\\)"):
        require_steps(scenario([SLEEP], version=3))
