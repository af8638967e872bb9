"""Properties of the duration parser and the step parser over generated inputs."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fozzy.errors import FozzyError
from fozzy.scenario.validate import validate_steps
from workers.engine.durations import U64_MAX, DurationError, parse_duration_ms
from workers.steps.parse import StepParseError, parse_step
from workers.steps.registry import INT_RANGES, STEP_ORDER, Field, T, registry

UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
VALID = re.compile(r"[0-9]+(ms|s|m|h)")
ERRORS = re.compile(
    r"empty duration"
    r"|invalid duration .* \(missing number\)"
    r"|invalid duration .* \(missing unit; expected ms\|s\|m\|h\)"
    r"|invalid duration unit .* \(expected ms\|s\|m\|h\)"
    r"|invalid duration number: [0-9]+ \(from .*\)",
    re.DOTALL,
)
SPACE = st.text(alphabet=" \t\n", max_size=3)


@given(st.integers(0, U64_MAX), st.sampled_from(sorted(UNITS)), SPACE, SPACE, st.integers(0, 3))
def test_valid_durations_convert_and_saturate(
    n: int, unit: str, left: str, right: str, zeros: int
) -> None:
    text = f"{left}{'0' * zeros}{n}{unit}{right}"
    assert parse_duration_ms(text) == min(n * UNITS[unit], U64_MAX)


@given(st.text(alphabet="0123456789mshu .+-_x", max_size=12) | st.text(max_size=12))
def test_any_text_parses_or_fails_with_a_known_message(text: str) -> None:
    try:
        ms = parse_duration_ms(text)
    except DurationError as e:
        assert ERRORS.fullmatch(str(e)), str(e)
        assert VALID.fullmatch(text.strip()) is None or int(re.sub(r"\D", "", text)) > U64_MAX
    else:
        assert VALID.fullmatch(text.strip())
        assert 0 <= ms <= U64_MAX


@given(st.integers(0, 10**30), st.sampled_from(["", "us", "sec", "S", ".5s", "ms ms"]))
def test_digits_without_a_valid_unit_are_rejected(n: int, suffix: str) -> None:
    text = f"{n}{suffix}"
    try:
        parse_duration_ms(text)
    except DurationError as e:
        expected = "missing unit" if not suffix else "invalid duration unit"
        assert expected in str(e)
    else:
        raise AssertionError(f"{text!r} parsed")


@given(st.integers(U64_MAX + 1, U64_MAX * 10), st.sampled_from(sorted(UNITS)))
def test_number_overflow_is_its_own_error(n: int, unit: str) -> None:
    try:
        parse_duration_ms(f"{n}{unit}")
    except DurationError as e:
        assert str(e).startswith(f"invalid duration number: {n} ")
    else:
        raise AssertionError("overflow parsed")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=5)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=8,
)


def step_types() -> list[str]:
    reg = registry()
    return [n for n in STEP_ORDER if n in reg] + sorted(n for n in reg if n not in STEP_ORDER)


def value_for(f: Field, depth: int) -> st.SearchStrategy[Any]:
    t = f.type
    if t is T.STR:
        return st.text(max_size=8)
    if t is T.DURATION:
        return st.builds(lambda n, u: f"{n}{u}", st.integers(0, 10**6), st.sampled_from(
            sorted(UNITS)))
    if t is T.BOOL:
        return st.booleans()
    if t in INT_RANGES:
        lo, hi = INT_RANGES[t]
        return st.integers(lo, hi)
    if t is T.NUMBER:
        return st.integers(-5, 5) | st.floats(allow_nan=False, allow_infinity=False)
    if t is T.OBJECT:
        return st.dictionaries(st.text(max_size=4), JSON, max_size=3)
    if t is T.STR_MAP:
        return st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3)
    if t is T.STR_LIST:
        return st.lists(st.text(max_size=4), max_size=3)
    if t is T.STEPS:
        return st.lists(raw_step(depth - 1), max_size=2) if depth > 0 else st.just([])
    return JSON


def wrong_value(t: T) -> Any:
    """A JSON value of the wrong kind for `t` (never null: null means "not set")."""
    wrong: dict[T, Any] = {
        T.STR: 1, T.DURATION: 5, T.BOOL: "true", T.NUMBER: "1", T.OBJECT: [],
        T.STR_MAP: {"k": 1}, T.STR_LIST: [1], T.STEPS: {},
    }
    return wrong.get(t, 1.5)


@st.composite
def _raw_step(draw: st.DrawFn, depth: int) -> dict[str, Any]:
    sdef = registry()[draw(st.sampled_from(step_types()))]
    raw: dict[str, Any] = {"type": sdef.name}
    for f in sdef.fields:
        if f.required or draw(st.booleans()):
            raw[f.name] = draw(value_for(f, depth))
    if draw(st.booleans()):
        raw["note"] = draw(st.none() | st.text(max_size=8))
    return raw


def raw_step(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    return _raw_step(depth)


@settings(max_examples=200)
@given(raw_step())
def test_well_typed_steps_parse_to_normal_form(raw: dict[str, Any]) -> None:
    sdef = registry()[raw["type"]]
    step = parse_step(raw, "/steps/0")
    assert list(step) == ["type"] + [f.name for f in sdef.fields]
    for f in sdef.fields:
        if f.name in raw and f.type is not T.STEPS:
            assert step[f.name] == raw[f.name]
    assert parse_step(step, "/steps/0") == step


@settings(max_examples=200)
@given(raw_step(), st.data())
def test_a_wrongly_typed_field_is_named_by_pointer(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    sdef = registry()[raw["type"]]
    typed = [f for f in sdef.fields if f.type is not T.JSON]
    if not typed:
        return
    f = data.draw(st.sampled_from(typed))
    raw[f.name] = wrong_value(f.type)
    try:
        parse_step(raw, "/steps/0")
    except StepParseError as e:
        assert e.pointer.startswith(f"/steps/0/{f.name}")
    else:
        raise AssertionError(f"{f.name}={raw[f.name]!r} accepted for {raw['type']}")


@given(JSON | st.dictionaries(st.sampled_from(["type", "duration", "steps", "key"]), JSON))
def test_arbitrary_json_is_a_step_or_a_parse_error(raw: Any) -> None:
    try:
        parse_step(raw, "/s")
    except StepParseError as e:
        assert e.pointer.startswith("/s")


@settings(max_examples=200)
@given(st.lists(raw_step(), max_size=4))
def test_validation_of_parsed_steps_never_crashes(raws: list[dict[str, Any]]) -> None:
    steps = [parse_step(r, f"/steps/{i}") for i, r in enumerate(raws)]
    try:
        validate_steps(steps, "/steps", "p.fozzy.json")
    except FozzyError as e:
        assert e.category in ("scenario error", "invalid argument")
        assert getattr(e, "pointer", "").startswith("/steps")
