"""Steps that wrap or poll: `assert_throws`, `assert_rejects`, `assert_eventually_kv`,
`assert_never_kv`."""

from __future__ import annotations

from workers.engine.findings import StepFailed, assertion, checker
from workers.engine.quote import q
from workers.engine.runtime import Runtime
from workers.steps.registry import CheckError, Role, Step, T, opt, registry, req, step
from workers.steps.time import check_durations, duration_ms


def _expect_failure(rt: Runtime, s: Step) -> None:
    """Run nested steps; succeed at the first failure. Nothing inside leaks out (B1 fixed:
    outer decisions, events and findings are restored, nested ones dropped)."""
    saved = rt.checkpoint()
    rt.replay = None
    reg = registry()
    failed = False
    try:
        for nested in s["steps"]:
            try:
                reg[nested["type"]].run(rt, nested)
            except StepFailed:
                failed = True
                break
    finally:
        rt.restore(saved)
    if not failed:
        raise assertion(s["type"], f"{s['type']} expected failure but nested steps passed")


_BLOCK = (req("steps", T.STEPS),)
_BLOCK_EXAMPLE = [{"type": "fail", "message": "expected"}]


@step(
    "assert_throws",
    *_BLOCK,
    example={"type": "assert_throws", "steps": _BLOCK_EXAMPLE},
    notes="passes when a nested step fails; all nested effects are rolled back",
)
def assert_throws(rt: Runtime, s: Step) -> None:
    _expect_failure(rt, s)


@step(
    "assert_rejects",
    *_BLOCK,
    example={"type": "assert_rejects", "steps": _BLOCK_EXAMPLE},
    notes="same as assert_throws",
)
def assert_rejects(rt: Runtime, s: Step) -> None:
    _expect_failure(rt, s)


_check_windows = check_durations("within", "poll")


def _check_poll(s: Step) -> None:
    _check_windows(s)
    if duration_ms(s, "poll") == 0:
        raise CheckError("poll", "poll must be greater than 0", category="invalid argument")


_POLL_FIELDS = (
    req("key", T.STR),
    req("equals", T.STR, Role.ORACLE),
    req("within", T.DURATION),
    req("poll", T.DURATION),
    opt("msg", T.STR),
)


def _wait_window(rt: Runtime, s: Step) -> None:
    """Let `within` elapse in `poll` increments. Nothing else runs while polling, so the KV
    cannot change: the outcome is known at once, only time has to pass (virtual in det mode,
    wall-clock bounded by the run deadline otherwise)."""
    within, poll = duration_ms(s, "within"), duration_ms(s, "poll")
    if poll == 0:
        raise checker("invalid_duration", "poll must be greater than 0")
    waited = -(-within // poll) * poll
    if rt.det:
        rt.clock.pass_time(waited)
    else:
        rt.sleep_wall(waited)


@step(
    "assert_eventually_kv",
    *_POLL_FIELDS,
    check=_check_poll,
    example={
        "type": "assert_eventually_kv", "key": "k", "equals": "v", "within": "1s", "poll": "100ms"
    },
)
def assert_eventually_kv(rt: Runtime, s: Step) -> None:
    if rt.kv.get(s["key"]) == s["equals"]:
        return
    _wait_window(rt, s)
    raise assertion(
        "assert_eventually_kv",
        s["msg"] or f"key {q(s['key'])} did not become {q(s['equals'])} within {s['within']}",
    )


@step(
    "assert_never_kv",
    *_POLL_FIELDS,
    check=_check_poll,
    example={
        "type": "assert_never_kv", "key": "k", "equals": "bad", "within": "1s", "poll": "100ms"
    },
)
def assert_never_kv(rt: Runtime, s: Step) -> None:
    if rt.kv.get(s["key"]) == s["equals"]:
        raise assertion(
            "assert_never_kv",
            s["msg"] or f"key {q(s['key'])} became forbidden value {q(s['equals'])}",
        )
    _wait_window(rt, s)
