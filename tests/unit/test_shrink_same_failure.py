"""Shrink keeps the same failure: same kind/title from the same original step; oracles and the
keys assertions read are never edited (in-process engine as the oracle)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fozzy.shrink.ddmin import ShrinkStats
from fozzy.shrink.failure import StepFailure
from fozzy.shrink.steps import Candidate, shrink_candidate
from tests.unit.enginekit import run
from workers.steps.parse import parse_steps
from workers.steps.registry import Role, registry


def shrink(raw: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Candidate, StepFailure]:
    steps = parse_steps(raw, "/steps")
    failure = StepFailure.of(run(steps))
    assert failure.signature[0] != "pass"

    def still_fails(cands: list[Candidate]) -> list[bool]:
        return [failure.matches(run(c.steps), c) for c in cands]

    best = shrink_candidate(steps, still_fails, ShrinkStats(), lambda: True)
    return steps, best, failure


def frozen(step: dict[str, Any]) -> dict[str, Any]:
    """The fields a shrinker must leave alone: everything but Role.INPUT."""
    fields = registry()[step["type"]].fields
    return {f.name: step[f.name] for f in fields if f.role is not Role.INPUT
            and f.name != "steps"}


def test_kv_assertion_keeps_its_key_and_expected_value() -> None:
    """Regression: this used to shrink to `get_kv_assert key:"" equals:""`."""
    raw = [{"type": "set_kv", "key": "user", "value": "alice"},
           {"type": "trace_event", "name": "between"},
           {"type": "sleep", "duration": "5ms"},
           {"type": "get_kv_assert", "key": "user", "equals": "bob"}]
    _, best, failure = shrink(raw)
    asserts = [s for s in best.steps if s["type"] == "get_kv_assert"]
    assert len(asserts) == 1
    assert asserts[0]["key"] == "user" and asserts[0]["equals"] == "bob"
    result = run(best.steps)
    assert failure.matches(result, best)


def test_a_later_lookalike_assertion_does_not_take_over() -> None:
    """Without step 1, step 3 fails with the same kind and title: a different step, so a
    different failure; step 1 (the original failing step) must stay."""
    raw = [{"type": "set_kv", "key": "k", "value": "v"},
           {"type": "get_kv_assert", "key": "k", "equals": "w"},
           {"type": "trace_event", "name": "x"},
           {"type": "get_kv_assert", "key": "k", "equals": "z"}]
    _, best, failure = shrink(raw)
    assert failure.step == 1
    got = StepFailure.of(run(best.steps))
    assert got.step is not None and best.origins[got.step] == 1
    assert best.steps[got.step]["equals"] == "w"


_KEYS = st.sampled_from(["a", "b", "c"])
_VALUES = st.text("xyz", min_size=0, max_size=6)
_FILLER = st.one_of(
    st.builds(lambda k, v: {"type": "set_kv", "key": k, "value": v}, _KEYS, _VALUES),
    st.builds(lambda n: {"type": "trace_event", "name": n}, _VALUES.filter(bool)),
    st.builds(lambda k, v: {"type": "get_kv_assert", "key": k, "equals": v}, _KEYS, _VALUES),
    st.builds(lambda k: {"type": "get_kv_assert", "key": k, "is_null": True}, _KEYS),
    st.builds(lambda a, b: {"type": "assert_eq_int", "a": a, "b": b},
              st.integers(0, 2), st.integers(0, 2)),
    st.builds(lambda ms: {"type": "sleep", "duration": f"{ms}ms"}, st.integers(0, 9)),
)
_PLANTED = st.one_of(
    st.builds(lambda k, v: {"type": "get_kv_assert", "key": k, "equals": v + "!"},
              _KEYS, _VALUES),
    st.builds(lambda m: {"type": "fail", "message": m}, _VALUES.filter(bool)),
    st.builds(lambda a: {"type": "assert_eq_int", "a": a, "b": a + 1}, st.integers(0, 3)),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_FILLER, max_size=8), _PLANTED, st.lists(_FILLER, max_size=8))
def test_planted_failure_shrinks_to_the_same_failure_from_the_same_step(
    before: list[dict[str, Any]], planted: dict[str, Any], after: list[dict[str, Any]]
) -> None:
    original, best, failure = shrink([*before, planted, *after])
    result = run(best.steps)
    assert failure.matches(result, best)
    got = StepFailure.of(result)
    assert got.signature == failure.signature
    assert got.step is not None and failure.step is not None
    # The failing step is the original one, its oracle and control fields untouched.
    assert best.origins[got.step] == failure.step
    assert frozen(best.steps[got.step]) == frozen(original[failure.step])
    # Every kept step keeps its non-input fields.
    for step, origin in zip(best.steps, best.origins, strict=True):
        assert frozen(step) == frozen(original[origin])
