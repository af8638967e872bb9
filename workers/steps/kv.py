"""The run's KV store: `set_kv`, `get_kv_assert`."""

from __future__ import annotations

from workers.engine.findings import assertion
from workers.engine.quote import opt as opt_q
from workers.engine.quote import q
from workers.engine.runtime import Runtime
from workers.steps.registry import CheckError, Role, Step, T, opt, req, step


@step(
    "set_kv",
    req("key", T.STR),
    req("value", T.STR, Role.INPUT),
    example={"type": "set_kv", "key": "phase", "value": "ready"},
)
def set_kv(rt: Runtime, s: Step) -> None:
    rt.kv[s["key"]] = s["value"]


def _check_get(s: Step) -> None:
    if s["equals"] is not None and s["is_null"] is True:
        raise CheckError("is_null", "GetKvAssert: cannot set both equals and is_null=true")


@step(
    "get_kv_assert",
    req("key", T.STR),
    opt("equals", T.STR, Role.ORACLE),
    opt("is_null", T.BOOL, Role.ORACLE),
    check=_check_get,
    example={"type": "get_kv_assert", "key": "phase", "equals": "ready"},
    notes="set at most one of equals / is_null=true; with neither, the key must exist",
)
def get_kv_assert(rt: Runtime, s: Step) -> None:
    key = s["key"]
    actual = rt.kv.get(key)
    if s["is_null"] is True:
        if actual is not None:
            raise assertion("get_kv_assert", f"expected {q(key)} to be null")
    elif s["equals"] is not None:
        if actual != s["equals"]:
            raise assertion(
                "get_kv_assert", f"expected {q(key)} == {q(s['equals'])}, got {opt_q(actual)}"
            )
    elif actual is None:
        raise assertion("get_kv_assert", f"expected {q(key)} to exist")
