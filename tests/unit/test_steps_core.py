"""trace_event, rand_u64, plain assertions, time, KV, blocks, fail/panic."""

from __future__ import annotations

import time

import pytest

from tests.unit.enginekit import run, titles
from workers.engine.durations import DurationError, parse_duration_ms


def test_trace_event_emits_sorted_fields_and_never_fails() -> None:
    r = run([{"type": "trace_event", "name": "boot", "fields": {"b": 1, "a": {"z": 0, "y": 1}}}])
    assert r["status"] == "pass"
    ev = [e for e in r["events"] if e["name"] == "boot"]
    assert ev == [{"time_ms": 0, "name": "boot", "fields": {"a": {"y": 1, "z": 0}, "b": 1}}]
    assert list(ev[0]["fields"]["a"]) == ["y", "z"]


def test_step_loop_events_and_decisions() -> None:
    r = run([{"type": "trace_event", "name": "x"}, {"type": "sleep", "duration": "10ms"}])
    names = [e["name"] for e in r["events"]]
    assert names == ["sched_pick", "span_start", "x", "span_end"] * 1 + [
        "sched_pick", "span_start", "span_end"
    ]
    assert r["decisions"] == [
        {"kind": "scheduler_pick", "task_id": 1, "label": "trace_event"},
        {"kind": "scheduler_pick", "task_id": 2, "label": "sleep"},
        {"kind": "time_sleep_ms", "ms": 10},
    ]
    assert r["events"][-1]["fields"] == {"duration_ms": 10, "span": "step-1", "status": "ok"}
    assert r["virtualMs"] == 10


def test_rand_u64_is_seeded_and_stored() -> None:
    a = run([{"type": "rand_u64", "key": "r"}, {"type": "get_kv_assert", "key": "r"}], seed=1)
    b = run([{"type": "rand_u64", "key": "r"}], seed=1)
    c = run([{"type": "rand_u64", "key": "r"}], seed=2)
    assert a["status"] == "pass"
    va = a["decisions"][1]["value"]
    assert va == b["decisions"][1]["value"] != c["decisions"][1]["value"]
    assert 0 <= va < 2**64
    nondet = run([{"type": "rand_u64"}], seed=1, det=False)
    assert nondet["decisions"][1]["value"] == va


def test_same_seed_same_everything() -> None:
    steps = [{"type": "rand_u64", "key": "a"}, {"type": "sleep", "duration": "5ms"},
             {"type": "rand_u64"}, {"type": "trace_event", "name": "e"}]
    r1, r2 = run(steps, seed=99), run(steps, seed=99)
    for key in ("status", "events", "decisions", "findings", "virtualMs"):
        assert r1[key] == r2[key]


@pytest.mark.parametrize(
    ("step", "title", "message"),
    [
        ({"type": "assert_ok", "value": False}, "assert_ok", "assert_ok failed"),
        ({"type": "assert_ok", "value": False, "msg": "m"}, "assert_ok", "m"),
        ({"type": "assert_eq_int", "a": 1, "b": 2}, "assert_eq_int", "expected 1 == 2"),
        ({"type": "assert_ne_int", "a": 3, "b": 3}, "assert_ne_int", "expected 3 != 3"),
        ({"type": "assert_eq_str", "a": "x", "b": "Y"}, "assert_eq_str", 'expected "x" == "Y"'),
        ({"type": "assert_ne_str", "a": "q", "b": "q"}, "assert_ne_str", 'expected "q" != "q"'),
        ({"type": "assert_eq_int", "a": 1, "b": 2, "msg": "custom"}, "assert_eq_int", "custom"),
        ({"type": "fail", "message": "boom"}, "fail", "boom"),
    ],
)
def test_assertions_fail_with_exact_findings(
    step: dict[str, object], title: str, message: str
) -> None:
    r = run([step, {"type": "trace_event", "name": "never"}])
    assert r["status"] == "fail"
    assert r["findings"] == [{"kind": "assertion", "title": title, "message": message}]
    assert not any(e["name"] == "never" for e in r["events"])
    assert r["events"][-1]["fields"]["status"] == "error"


@pytest.mark.parametrize(
    "step",
    [
        {"type": "assert_ok", "value": True},
        {"type": "assert_eq_int", "a": -5, "b": -5},
        {"type": "assert_ne_int", "a": 1, "b": 2},
        {"type": "assert_eq_str", "a": "é", "b": "é"},
        {"type": "assert_ne_str", "a": "a", "b": "A"},
    ],
)
def test_assertions_pass(step: dict[str, object]) -> None:
    assert run([step])["status"] == "pass"


def test_panic_is_fail_with_panic_kind() -> None:
    r = run([{"type": "panic", "message": "oops"}])
    assert r["status"] == "fail"
    assert r["findings"] == [{"kind": "panic", "title": "panic", "message": "oops"}]


def test_sleep_det_moves_virtual_clock_nondet_sleeps_for_real() -> None:
    assert run([{"type": "sleep", "duration": "2h"}])["virtualMs"] == 7_200_000
    t0 = time.monotonic()
    r = run([{"type": "sleep", "duration": "50ms"}], det=False)
    assert time.monotonic() - t0 >= 0.045
    assert r["virtualMs"] == 0
    assert [d["kind"] for d in r["decisions"]] == ["scheduler_pick"]


def test_advance_requires_det() -> None:
    r = run([{"type": "advance", "duration": "1s"}], det=False)
    assert r["status"] == "fail"
    assert r["findings"][0]["kind"] == "checker"
    assert r["findings"][0]["title"] == "advance_requires_det"
    ok = run([{"type": "advance", "duration": "1s"}])
    assert ok["virtualMs"] == 1000
    assert ok["decisions"][-1] == {"kind": "time_advance_ms", "ms": 1000}


def test_freeze_stops_sleep_but_not_advance() -> None:
    r = run([
        {"type": "freeze", "at_ms": 1000},
        {"type": "sleep", "duration": "5s"},
        {"type": "advance", "duration": "2s"},
        {"type": "unfreeze"},
        {"type": "sleep", "duration": "1ms"},
    ])
    assert r["status"] == "pass"
    assert r["virtualMs"] == 3001


def test_freeze_can_move_clock_backwards() -> None:
    r = run([{"type": "sleep", "duration": "5s"}, {"type": "freeze", "at_ms": 10}])
    assert r["virtualMs"] == 10


def test_worked_example_clock_kv() -> None:
    steps = [
        {"type": "set_kv", "key": "phase", "value": "boot"},
        {"type": "sleep", "duration": "250ms"},
        {"type": "freeze", "at_ms": 1000},
        {"type": "advance", "duration": "2s"},
        {"type": "set_kv", "key": "phase", "value": "ready"},
        {"type": "assert_eventually_kv", "key": "phase", "equals": "ready", "within": "1s",
         "poll": "100ms"},
        {"type": "get_kv_assert", "key": "nope", "is_null": True},
    ]
    r = run(steps)
    assert r["status"] == "pass"
    assert r["virtualMs"] == 3000
    kinds = [d["kind"] for d in r["decisions"]]
    assert kinds.count("scheduler_pick") == 7
    assert kinds.count("time_sleep_ms") == 1 and kinds.count("time_advance_ms") == 1
    timed = run(steps, timeout_ms=2000)
    assert timed["status"] == "timeout"
    assert timed["findings"] == [
        {"kind": "hang", "title": "timeout", "message": "scenario timed out"}
    ]


def test_zero_timeout_fires_before_first_step() -> None:
    r = run([{"type": "trace_event", "name": "x"}], timeout_ms=0)
    assert r["status"] == "timeout"
    assert r["events"] == []


def test_get_kv_assert_paths() -> None:
    base = [{"type": "set_kv", "key": "k", "value": "v"}]
    assert run(base + [{"type": "get_kv_assert", "key": "k", "equals": "v"}])["status"] == "pass"
    r = run(base + [{"type": "get_kv_assert", "key": "k", "equals": "w"}])
    assert r["findings"][0]["message"] == 'expected "k" == "w", got Some("v")'
    r = run([{"type": "get_kv_assert", "key": "k", "equals": "w"}])
    assert r["findings"][0]["message"] == 'expected "k" == "w", got None'
    r = run(base + [{"type": "get_kv_assert", "key": "k", "is_null": True}])
    assert r["findings"][0]["message"] == 'expected "k" to be null'
    r = run([{"type": "get_kv_assert", "key": "k", "is_null": False}])
    assert r["findings"][0]["message"] == 'expected "k" to exist'
    assert titles(r) == ["get_kv_assert"]


def test_set_kv_overwrites() -> None:
    r = run([
        {"type": "set_kv", "key": "k", "value": "1"},
        {"type": "set_kv", "key": "k", "value": "2"},
        {"type": "get_kv_assert", "key": "k", "equals": "2"},
    ])
    assert r["status"] == "pass"


def test_assert_throws_rolls_back_everything_and_keeps_outer_logs() -> None:
    r = run([
        {"type": "trace_event", "name": "before"},
        {"type": "set_kv", "key": "k", "value": "outer"},
        {"type": "assert_throws", "steps": [
            {"type": "set_kv", "key": "k", "value": "inner"},
            {"type": "sleep", "duration": "5s"},
            {"type": "rand_u64"},
            {"type": "trace_event", "name": "inside"},
            {"type": "fail", "message": "expected"},
            {"type": "trace_event", "name": "after-failure"},
        ]},
        {"type": "get_kv_assert", "key": "k", "equals": "outer"},
        {"type": "rand_u64"},
    ])
    assert r["status"] == "pass", r["findings"]
    names = [e["name"] for e in r["events"]]
    assert "before" in names and "inside" not in names and "after-failure" not in names
    assert r["virtualMs"] == 0
    assert [d["kind"] for d in r["decisions"]].count("rand_u64") == 1
    assert r["executed"] == 5
    plain = run([{"type": "rand_u64"}])
    assert r["decisions"][-1]["value"] == plain["decisions"][-1]["value"]


@pytest.mark.parametrize("kind", ["assert_throws", "assert_rejects"])
def test_assert_throws_fails_when_nested_steps_pass(kind: str) -> None:
    r = run([{"type": kind, "steps": [{"type": "trace_event", "name": "ok"}]}])
    assert r["findings"] == [{"kind": "assertion", "title": kind,
                              "message": f"{kind} expected failure but nested steps passed"}]
    empty = run([{"type": kind, "steps": []}])
    assert empty["status"] == "fail"


def test_nested_blocks() -> None:
    r = run([{"type": "assert_rejects", "steps": [
        {"type": "assert_throws", "steps": [{"type": "trace_event", "name": "x"}]}
    ]}])
    assert r["status"] == "pass"


def test_eventually_and_never() -> None:
    ev = {"type": "assert_eventually_kv", "key": "k", "equals": "v", "within": "1s",
          "poll": "300ms"}
    r = run([ev])
    assert r["status"] == "fail"
    assert r["virtualMs"] == 1200
    assert r["findings"][0]["message"] == 'key "k" did not become "v" within 1s'
    nv = {"type": "assert_never_kv", "key": "k", "equals": "v", "within": "1s", "poll": "300ms"}
    ok = run([nv])
    assert ok["status"] == "pass" and ok["virtualMs"] == 1200
    bad = run([{"type": "set_kv", "key": "k", "value": "v"}, nv])
    assert bad["findings"][0]["message"] == 'key "k" became forbidden value "v"'
    assert bad["virtualMs"] == 0
    custom = run([dict(nv, msg="nope"), ], )
    assert custom["status"] == "pass"
    custom_fail = run([{"type": "set_kv", "key": "k", "value": "v"}, dict(nv, msg="nope")])
    assert custom_fail["findings"][0]["message"] == "nope"


def test_eventually_nondet_is_bounded_by_timeout() -> None:
    ev = {"type": "assert_eventually_kv", "key": "k", "equals": "v", "within": "1h", "poll": "1s"}
    t0 = time.monotonic()
    r = run([ev], det=False, timeout_ms=100)
    assert time.monotonic() - t0 < 30
    assert r["status"] in ("fail", "timeout")


def test_poll_zero_is_a_runtime_checker_when_validation_is_skipped() -> None:
    r = run([{"type": "assert_eventually_kv", "key": "k", "equals": "v", "within": "1s",
              "poll": "0ms"}])
    assert r["findings"][0]["kind"] == "checker"


def test_invalid_duration_at_runtime_is_checker() -> None:
    r = run([{"type": "sleep", "duration": "5us"}])
    assert r["findings"] == [{"kind": "checker", "title": "invalid_duration",
                              "message": 'invalid duration unit "us" (expected ms|s|m|h)'}]


@pytest.mark.parametrize(
    ("text", "ms"), [("0ms", 0), (" 10ms ", 10), ("007s", 7000), ("5m", 300_000), ("1h", 3_600_000)]
)
def test_durations_valid(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty duration"),
        ("  ", "empty duration"),
        ("ms", 'invalid duration "ms" (missing number)'),
        ("+5s", 'invalid duration "+5s" (missing number)'),
        ("10", 'invalid duration "10" (missing unit; expected ms|s|m|h)'),
        ("5us", 'invalid duration unit "us" (expected ms|s|m|h)'),
        ("5sec", 'invalid duration unit "sec" (expected ms|s|m|h)'),
        ("1.5s", 'invalid duration unit ".5s" (expected ms|s|m|h)'),
        ("5 s", 'invalid duration unit " s" (expected ms|s|m|h)'),
        ("5S", 'invalid duration unit "S" (expected ms|s|m|h)'),
        ("1m30s", 'invalid duration unit "m30s" (expected ms|s|m|h)'),
        ("99999999999999999999ms", "invalid duration number: 99999999999999999999 "
         '(from "99999999999999999999ms")'),
    ],
)
def test_durations_invalid(text: str, message: str) -> None:
    with pytest.raises(DurationError) as e:
        parse_duration_ms(text)
    assert str(e.value) == message


def test_empty_steps_pass() -> None:
    assert run([])["status"] == "pass"
