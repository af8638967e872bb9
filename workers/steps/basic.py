"""Events, randomness, plain assertions, `fail` and `panic`."""

from __future__ import annotations

from typing import Any

from workers.engine.findings import PANIC, StepFailed, assertion
from workers.engine.quote import q
from workers.engine.runtime import Runtime
from workers.steps.registry import Field, Role, Step, T, opt, req, step


def sort_json(value: Any) -> Any:
    """Free-form JSON with object keys sorted recursively, so event fields are canonical."""
    if isinstance(value, dict):
        return {k: sort_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_json(v) for v in value]
    return value


@step(
    "trace_event",
    req("name", T.STR, Role.INPUT),
    Field("fields", T.OBJECT, required=False, default={}, role=Role.INPUT, nullable=False),
    example={"type": "trace_event", "name": "setup", "fields": {}},
)
def trace_event(rt: Runtime, s: Step) -> None:
    rt.emit(s["name"], sort_json(s["fields"]))


@step("rand_u64", opt("key", T.STR), example={"type": "rand_u64", "key": "rand"})
def rand_u64(rt: Runtime, s: Step) -> None:
    value = rt.rng.u64()
    rt.decide({"kind": "rand_u64", "value": value})
    if s["key"] is not None:
        rt.kv[s["key"]] = str(value)


@step(
    "assert_ok",
    req("value", T.BOOL, Role.ORACLE),
    opt("msg", T.STR, Role.ORACLE),
    example={"type": "assert_ok", "value": True},
)
def assert_ok(rt: Runtime, s: Step) -> None:
    if not s["value"]:
        raise assertion("assert_ok", s["msg"] or "assert_ok failed")


def _compare(s: Step, equal: bool, default: str) -> None:
    if (s["a"] == s["b"]) != equal:
        raise assertion(s["type"], s["msg"] if s["msg"] is not None else default)


_INT_FIELDS = (req("a", T.I64, Role.ORACLE), req("b", T.I64, Role.ORACLE), opt("msg", T.STR))
_STR_FIELDS = (req("a", T.STR, Role.ORACLE), req("b", T.STR, Role.ORACLE), opt("msg", T.STR))


@step("assert_eq_int", *_INT_FIELDS, example={"type": "assert_eq_int", "a": 1, "b": 1})
def assert_eq_int(rt: Runtime, s: Step) -> None:
    _compare(s, True, f"expected {s['a']} == {s['b']}")


@step("assert_ne_int", *_INT_FIELDS, example={"type": "assert_ne_int", "a": 1, "b": 2})
def assert_ne_int(rt: Runtime, s: Step) -> None:
    _compare(s, False, f"expected {s['a']} != {s['b']}")


@step("assert_eq_str", *_STR_FIELDS, example={"type": "assert_eq_str", "a": "x", "b": "x"})
def assert_eq_str(rt: Runtime, s: Step) -> None:
    _compare(s, True, f"expected {q(s['a'])} == {q(s['b'])}")


@step("assert_ne_str", *_STR_FIELDS, example={"type": "assert_ne_str", "a": "x", "b": "y"})
def assert_ne_str(rt: Runtime, s: Step) -> None:
    _compare(s, False, f"expected {q(s['a'])} != {q(s['b'])}")


@step("fail", req("message", T.STR), example={"type": "fail", "message": "boom"})
def fail(rt: Runtime, s: Step) -> None:
    raise assertion("fail", s["message"])


@step("panic", req("message", T.STR), example={"type": "panic", "message": "boom"})
def panic(rt: Runtime, s: Step) -> None:
    raise StepFailed(PANIC, "panic", s["message"])
