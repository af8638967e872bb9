"""Every field type takes exactly its JSON values and rejects the neighbours that Python's
class hierarchy would let through (a bool is an int, an int is not a float field's only
shape): parsing tests an exact-class fast path first, and it must agree with the full check."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.steps.parse import StepParseError, parse_step

# (step type, field, the other required fields) for one field of each type.
FIELD = {
    "str": ("fs_write", "path", {"data": "x"}),
    "duration": ("sleep", "duration", {}),
    "bool": ("assert_ok", "value", {"msg": "m"}),
    "i64": ("assert_eq_int", "a", {"b": 1}),
    "u16": ("http_when", "status", {"method": "GET", "path": "/"}),
    "i32": ("proc_when", "exit_code", {"cmd": "c"}),
    "number": ("net_set_drop_rate", "rate", {}),
    "object": ("trace_event", "fields", {"name": "e"}),
}

ACCEPTED = [
    ("str", "a"), ("duration", "5ms"), ("bool", True), ("bool", False), ("i64", -(1 << 63)),
    ("i64", (1 << 63) - 1), ("u16", 0), ("u16", 65535), ("i32", -(1 << 31)),
    ("number", 0.25), ("number", 1), ("object", {"k": 1}),
]
REJECTED = [
    ("str", 1), ("duration", 5), ("bool", 1), ("i64", True), ("i64", 1.0), ("i64", 1 << 63),
    ("u16", -1), ("u16", 65536), ("u16", False), ("i32", 1 << 31), ("number", True),
    ("number", "1"), ("object", []), ("object", "x"),
]


def _step(kind: str, value: Any) -> dict[str, Any]:
    name, field, rest = FIELD[kind]
    return {"type": name, **rest, field: value}


@pytest.mark.parametrize(("kind", "value"), ACCEPTED)
def test_a_value_of_the_field_type_is_kept_as_written(kind: str, value: Any) -> None:
    out = parse_step(_step(kind, value), "/steps/0")
    assert out[FIELD[kind][1]] == value
    assert type(out[FIELD[kind][1]]) is type(value)


@pytest.mark.parametrize(("kind", "value"), REJECTED)
def test_a_neighbouring_value_is_an_error_at_the_field(kind: str, value: Any) -> None:
    with pytest.raises(StepParseError) as err:
        parse_step(_step(kind, value), "/steps/0")
    assert err.value.pointer == f"/steps/0/{FIELD[kind][1]}"


@given(st.integers(min_value=-(1 << 70), max_value=1 << 70))
def test_an_integer_field_takes_exactly_its_range(value: int) -> None:
    step = _step("u16", value)
    if 0 <= value <= 65535:
        assert parse_step(step, "/s")["status"] == value
    else:
        with pytest.raises(StepParseError, match="out of range for u16"):
            parse_step(step, "/s")
