"""Virtual-time steps: `sleep`, `advance`, `freeze`, `unfreeze`."""

from __future__ import annotations

from workers.engine.durations import DurationError, parse_duration_ms
from workers.engine.findings import checker
from workers.engine.runtime import Runtime
from workers.steps.registry import Checker, CheckError, Step, T, opt, req, step


def duration_ms(s: Step, field: str) -> int:
    """A duration field's value; at run time (fuzz, replay skip validation) a bad one fails."""
    try:
        return parse_duration_ms(s[field])
    except DurationError as e:
        raise checker("invalid_duration", str(e)) from None


def check_durations(*fields: str) -> Checker:
    def check(s: Step) -> None:
        for f in fields:
            if s.get(f) is None:
                continue
            try:
                parse_duration_ms(s[f])
            except DurationError as e:
                raise CheckError(f, str(e), category="invalid argument") from None

    return check


@step(
    "sleep",
    req("duration", T.DURATION),
    check=check_durations("duration"),
    example={"type": "sleep", "duration": "10ms"},
)
def sleep(rt: Runtime, s: Step) -> None:
    ms = duration_ms(s, "duration")
    if rt.det:
        rt.clock.pass_time(ms)
        rt.decide({"kind": "time_sleep_ms", "ms": ms})
    else:
        rt.sleep_wall(ms)


@step(
    "advance",
    req("duration", T.DURATION),
    check=check_durations("duration"),
    example={"type": "advance", "duration": "1s"},
)
def advance(rt: Runtime, s: Step) -> None:
    ms = duration_ms(s, "duration")
    if not rt.det:
        raise checker(
            "advance_requires_det", "Advance is only supported in deterministic mode (--det)"
        )
    rt.clock.advance(ms)
    rt.decide({"kind": "time_advance_ms", "ms": ms})


@step("freeze", opt("at_ms", T.U64), example={"type": "freeze", "at_ms": 1000})
def freeze(rt: Runtime, s: Step) -> None:
    if s["at_ms"] is not None:
        rt.clock.now_ms = s["at_ms"]
    rt.clock.frozen = True


@step("unfreeze")
def unfreeze(rt: Runtime, s: Step) -> None:
    rt.clock.frozen = False
