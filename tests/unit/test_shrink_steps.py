"""Step-list shrinking with the real engine as the oracle (in-process, tests only)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from fozzy.shrink.ddmin import ShrinkStats, ddmin
from fozzy.shrink.steps import Candidate, shrink_steps, value_candidates
from tests.unit.enginekit import run
from workers.steps.parse import parse_steps


def signature(result: dict[str, Any]) -> tuple[str, str, str] | None:
    if result["status"] == "pass" or not result["findings"]:
        return None
    f = result["findings"][0]
    return (result["status"], f["kind"], f["title"])


def oracle_for(steps: list[dict[str, Any]]) -> Any:
    target = signature(run(steps))
    assert target is not None

    def still_fails(cands: list[Candidate]) -> list[bool]:
        return [signature(run(c.steps)) == target for c in cands]

    return still_fails


def shrink(raw: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ShrinkStats]:
    steps = parse_steps(raw, "/steps")
    stats = ShrinkStats()
    return shrink_steps(steps, oracle_for(steps), stats, lambda: True), stats


def test_thirty_steps_shrink_to_failing_step_and_its_dependency() -> None:
    raw: list[dict[str, Any]] = [{"type": "trace_event", "name": f"e{i}"} for i in range(30)]
    raw[3] = {"type": "set_kv", "key": "mode", "value": "broken"}
    raw[20] = {"type": "get_kv_assert", "key": "mode", "is_null": True}
    result, stats = shrink(raw)
    assert [s["type"] for s in result] == ["set_kv", "get_kv_assert"]
    assert signature(run(result)) == ("fail", "assertion", "get_kv_assert")
    assert stats.candidates > 0


def test_never_shrinks_into_a_different_failure() -> None:
    raw = [
        {"type": "assert_eq_int", "a": 1, "b": 1},
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "assert_never_kv", "key": "k", "equals": "v", "within": "0ms", "poll": "1ms"},
        {"type": "fail", "message": "second way"},
    ]
    result, _ = shrink(raw)
    assert signature(run(result)) == ("fail", "assertion", "assert_never_kv")
    assert [s["type"] for s in result] == ["set_kv", "assert_never_kv"]


def test_nested_steps_and_values_shrink() -> None:
    raw = [
        {"type": "assert_throws", "steps": [
            {"type": "trace_event", "name": "a"},
            {"type": "trace_event", "name": "b"},
            {"type": "set_kv", "key": "x", "value": "long value here"},
        ]},
        {"type": "sleep", "duration": "2s"},
    ]
    result, _ = shrink(raw)
    assert [s["type"] for s in result] == ["assert_throws"]
    assert result[0]["steps"] == []


def test_inputs_get_smaller_and_oracles_stay() -> None:
    raw = [{"type": "set_kv", "key": "k", "value": "a fairly long string"},
           {"type": "assert_eq_str", "a": "a fairly long string", "b": "another long string"}]
    result, _ = shrink(raw)
    assert result == [{"type": "assert_eq_str", "a": "a fairly long string",
                       "b": "another long string", "msg": None}]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=40), st.integers(0, 39))
def test_ddmin_finds_single_culprit(flags: list[bool], culprit: int) -> None:
    items = list(range(len(flags)))
    culprit %= len(items)
    stats = ShrinkStats()
    result = ddmin(items, lambda cands: [culprit in c for c in cands], stats)
    assert result == [culprit]


def test_ddmin_level_cost_stays_small_for_200_items() -> None:
    stats = ShrinkStats()
    result = ddmin(list(range(200)), lambda cands: [137 in c for c in cands], stats)
    assert result == [137]
    assert stats.candidates / max(stats.levels, 1) <= 40


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 60), st.data(), st.integers(1, 5))
def test_ddmin_result_does_not_depend_on_the_wave_width(size: int, data: st.DataObject,
                                                        width: int) -> None:
    needed = data.draw(st.sets(st.integers(0, size - 1), min_size=1, max_size=3))

    def oracle(cands: list[list[int]]) -> list[bool]:
        return [needed <= set(c) for c in cands]

    one = ddmin(list(range(size)), oracle, ShrinkStats())
    wide = ddmin(list(range(size)), oracle, ShrinkStats(), width=width)
    assert one == wide == sorted(needed)


def test_ddmin_stops_a_level_at_the_first_wave_with_a_reproducer() -> None:
    """One worker runs what a sequential ddmin runs: a level whose first complement still
    fails costs one candidate, not the whole level."""
    waves: list[int] = []

    def oracle(cands: list[list[int]]) -> list[bool]:
        waves.append(len(cands))
        return [199 in c for c in cands]

    stats = ShrinkStats()
    assert ddmin(list(range(200)), oracle, stats) == [199]
    assert set(waves) == {1}
    assert stats.candidates == len(waves) == stats.levels
    wide: list[int] = []

    def wide_oracle(cands: list[list[int]]) -> list[bool]:
        wide.append(len(cands))
        return [199 in c for c in cands]

    assert ddmin(list(range(200)), wide_oracle, ShrinkStats(), width=4) == [199]
    assert max(wide) == 2  # every level here has two complements: never more than asked


def test_ddmin_out_of_budget_mid_level_keeps_the_last_reproducer() -> None:
    calls = 0

    def budget_left() -> bool:
        return calls < 3

    def oracle(cands: list[list[int]]) -> list[bool]:
        nonlocal calls
        calls += 1
        return [False for _ in cands]

    stats = ShrinkStats()
    assert ddmin(list(range(16)), oracle, stats, budget_left) == list(range(16))
    assert stats.out_of_budget
    assert calls == 3


def test_shrink_steps_is_the_same_for_any_width() -> None:
    raw: list[dict[str, Any]] = [{"type": "trace_event", "name": f"e{i}"} for i in range(25)]
    raw[4] = {"type": "set_kv", "key": "mode", "value": "a rather long broken value"}
    raw[17] = {"type": "get_kv_assert", "key": "mode", "is_null": True}
    steps = parse_steps(raw, "/steps")
    results = [shrink_steps(steps, oracle_for(steps), ShrinkStats(), lambda: True, width=w)
               for w in (1, 2, 3)]
    assert results[0] == results[1] == results[2]
    assert [s["type"] for s in results[0]] == ["set_kv", "get_kv_assert"]


def test_value_candidates_share_every_untouched_step_with_the_original() -> None:
    """Candidates cross to the workers as references to unchanged steps, so a candidate must
    reuse those step objects (and never mutate the original)."""
    steps = parse_steps([
        {"type": "set_kv", "key": "k", "value": "some value"},
        {"type": "assert_throws", "steps": [{"type": "fail", "message": "deep message"}]},
        {"type": "sleep", "duration": "2s"},
    ], "/steps")
    snapshot = orjson.dumps(steps)
    for cand in value_candidates(steps):
        changed = [i for i, (a, b) in enumerate(zip(steps, cand, strict=True)) if a is not b]
        assert len(changed) == 1
        assert cand[changed[0]] != steps[changed[0]]
    assert orjson.dumps(steps) == snapshot
