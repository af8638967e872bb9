"""memory_* steps through the real engine: allocation outcomes, frees, knobs, leak policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.enginekit import run, titles
from workers.engine.loop import execute
from workers.engine.memory import callsite_hash
from workers.steps.parse import parse_step, parse_steps
from workers.steps.registry import CheckError, Role, registry


def alloc(n: int, key: str | None = None, tag: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "memory_alloc", "bytes": n}
    if key is not None:
        s["key"] = key
    if tag is not None:
        s["tag"] = tag
    return s


def in_use(n: int) -> dict[str, Any]:
    return {"type": "memory_assert_in_use_bytes", "equals": n}


def free_key(key: str) -> dict[str, Any]:
    return {"type": "memory_free", "key": key}


def mem_decisions(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in r["decisions"] if d["kind"].startswith("memory_")]


def events(r: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e["fields"] for e in r["events"] if e["name"] == name]


def check(step: dict[str, Any]) -> None:
    s = parse_step(step, "/steps/0")
    checker = registry()[s["type"]].check
    if checker is not None:
        checker(s)


NET_MEM: list[dict[str, Any]] = [
    {"type": "net_send", "from": "a", "to": "b", "payload": "ping"},
    {"type": "net_send", "from": "a", "to": "b", "payload": "pong"},
    {"type": "net_partition", "a": "b", "b": "a"},
    {"type": "assert_throws", "steps": [{"type": "net_deliver_one"}]},
    {"type": "net_heal", "a": "a", "b": "b"},
    {"type": "net_deliver_one", "strategy": "fifo"},
    {"type": "net_recv_assert", "node": "b", "from": "a", "payload": "ping"},
    alloc(1024, "buf", "cache"),
    in_use(1024),
]


def test_worked_example_default_options_fail_on_the_leak() -> None:
    r = run(NET_MEM, scenario_path="net-mem.fozzy.json")
    assert r["status"] == "fail"
    assert r["executed"] == 9
    assert r["findings"] == [{
        "kind": "checker", "title": "memory_leak",
        "message": "detected 1 leaked allocation(s), leaked_bytes=1024",
    }]
    chash = callsite_hash("memory_alloc|path=net-mem.fozzy.json|step=7|key=buf|tag=cache")
    assert r["memory"]["leaks"] == [
        {"allocId": 1, "bytes": 1024, "callsiteHash": chash, "tag": "cache"}
    ]


@pytest.mark.parametrize(
    ("options", "extra", "status", "found"),
    [
        ({"leak_budget_bytes": 2048}, [], "pass", []),
        ({"leak_budget_bytes": 2048, "fail_on_leak": True}, [], "fail", ["memory_leak"]),
        ({}, [free_key("buf")], "pass", []),
        ({"leak_budget_bytes": 1000}, [], "fail", ["memory_leak_budget"]),
        ({"fail_on_leak": True}, [], "fail", ["memory_leak"]),
    ],
)
def test_worked_example_leak_policy_variants(
    options: dict[str, Any], extra: list[dict[str, Any]], status: str, found: list[str]
) -> None:
    r = run(NET_MEM + extra, memory=options)
    assert r["status"] == status
    assert titles(r) == found


def test_alloc_logs_decision_event_timeline_and_stores_id() -> None:
    r = run([alloc(10), alloc(20, "k", "t"), {"type": "get_kv_assert", "key": "k",
                                               "equals": "2"}, free_key("k"),
             {"type": "memory_free", "alloc_id": 1}], scenario_path="s.json")
    assert r["status"] == "pass", r["findings"]
    h0 = callsite_hash("memory_alloc|path=s.json|step=0")
    h1 = callsite_hash("memory_alloc|path=s.json|step=1|key=k|tag=t")
    assert mem_decisions(r) == [
        {"kind": "memory_alloc", "bytes": 10, "effective_bytes": 10, "alloc_id": 1,
         "callsite_hash": h0},
        {"kind": "memory_alloc", "bytes": 20, "effective_bytes": 20, "alloc_id": 2,
         "callsite_hash": h1},
        {"kind": "memory_free", "alloc_id": 2, "existed": True},
        {"kind": "memory_free", "alloc_id": 1, "existed": True},
    ]
    assert list(mem_decisions(r)[0]) == [
        "kind", "bytes", "effective_bytes", "alloc_id", "callsite_hash"
    ]
    assert events(r, "memory_alloc")[1] == {
        "alloc_id": 2, "bytes": 20, "callsite_hash": h1, "effective_bytes": 20,
        "failed_reason": None,
    }
    assert events(r, "memory_free") == [
        {"alloc_id": 2, "existed": True}, {"alloc_id": 1, "existed": True}
    ]
    summary = r["memory"]["summary"]
    assert summary == {"allocCount": 2, "freeCount": 2, "failedAllocCount": 0,
                       "inUseBytes": 0, "peakBytes": 30, "leakedBytes": 0, "leakedAllocs": 0}
    assert [e["kind"] for e in r["memory"]["timeline"]] == ["alloc", "alloc", "free", "free"]


def test_limit_mb_failure_is_a_checker_with_full_logging() -> None:
    mib = 1024 * 1024
    steps = [{"type": "memory_limit_mb", "mb": 1}, alloc(mib, "a"), alloc(1, "b")]
    rt, r = execute({"scenario": {"version": 1, "name": "t",
                                  "steps": parse_steps(steps, "/steps")}, "seed": 1})
    assert r["findings"][0] == {"kind": "checker", "title": "memory_alloc_failed",
                                "message": "memory allocation failed: limit_mb"}
    # A failed allocation stores nothing in KV.
    assert rt.kv == {"a": "1"}
    failed = mem_decisions(r)[-1]
    assert failed["alloc_id"] is None and failed["failed_reason"] == "limit_mb"
    assert list(failed) == [
        "kind", "bytes", "effective_bytes", "alloc_id", "callsite_hash", "failed_reason"
    ]
    assert events(r, "memory_alloc")[-1]["failed_reason"] == "limit_mb"
    assert events(r, "memory_limit_mb") == [{"mb": 1}]
    r2 = run([{"type": "memory_limit_mb", "mb": 1}, alloc(mib - 1, "a"),
              {"type": "assert_throws", "steps": [alloc(2)]}, free_key("a")])
    assert r2["status"] == "pass"


def test_limit_from_options_and_step_override() -> None:
    r = run([alloc(2 * 1024 * 1024)], memory={"limit_mb": 1})
    assert titles(r) == ["memory_alloc_failed"]
    assert r["memory"]["summary"]["failedAllocCount"] == 1
    ok = run([{"type": "memory_limit_mb", "mb": 4}, alloc(2 * 1024 * 1024, "k"), free_key("k")],
             memory={"limit_mb": 1})
    assert ok["status"] == "pass"
    assert ok["memory"]["options"]["limit_mb"] == 1


def test_fail_after_allocs_counts_every_attempt_from_run_start() -> None:
    r = run([alloc(1, "a"), {"type": "memory_fail_after_allocs", "count": 2}, alloc(1, "b"),
             alloc(1)])
    assert r["findings"][0] == {"kind": "checker", "title": "memory_alloc_failed",
                                "message": "memory allocation failed: fail_after_allocs"}
    assert events(r, "memory_fail_after_allocs") == [{"count": 2}]
    assert [d["alloc_id"] for d in mem_decisions(r)] == [1, 2, None]
    # The failing attempt is counted in the summary, with its reason.
    mib = 1024 * 1024
    r2 = run([alloc(1, "a"), alloc(2 * mib)], memory={"limit_mb": 1})
    assert r2["memory"]["summary"]["allocCount"] == 2
    assert r2["memory"]["summary"]["failedAllocCount"] == 1
    assert r2["memory"]["timeline"][-1]["kind"] == "alloc_fail"


def test_fragmentation_and_wave_worked_example() -> None:
    steps: list[dict[str, Any]] = [{"type": "memory_fragmentation", "seed": 7},
             {"type": "memory_pressure_wave", "pattern": "1,2,4"},
             alloc(200000), alloc(200000), alloc(200000), in_use(1712000)]
    r = run(steps, memory={"leak_budget_bytes": 1712000})
    assert r["status"] == "pass", r["findings"]
    assert [d["effective_bytes"] for d in mem_decisions(r)] == [224000, 480000, 1008000]
    assert events(r, "memory_fragmentation") == [{"seed": 7}]
    assert events(r, "memory_pressure_wave") == [{"pattern": "1,2,4", "wave": [1, 2, 4]}]
    via_options = run(steps[2:], memory={"fragmentation_seed": 7, "pressure_wave": "1,2,4",
                                         "leak_budget_bytes": 1712000})
    assert via_options["status"] == "pass"


def test_pressure_wave_drops_bad_items_at_run_time() -> None:
    steps = [{"type": "memory_pressure_wave", "pattern": " 1, x ,0,3"}, alloc(10, "a"),
             alloc(10, "b"), alloc(10, "c"), in_use(10 + 30 + 10)]
    r = run(steps, memory={"leak_budget_bytes": 50})
    assert r["status"] == "pass", r["findings"]
    blank = run([{"type": "memory_pressure_wave", "pattern": "2"},
                 {"type": "memory_pressure_wave", "pattern": ""}, alloc(10, "a"), in_use(10),
                 free_key("a")])
    assert blank["status"] == "pass"


@pytest.mark.parametrize("pattern", ["x", "0", "0,0", "2;4", " , "])
def test_check_rejects_a_wave_with_nothing_usable(pattern: str) -> None:
    with pytest.raises(CheckError) as err:
        check({"type": "memory_pressure_wave", "pattern": pattern})
    assert err.value.field == "pattern"


@pytest.mark.parametrize("pattern", ["", "  ", "1,2,4", "1,x,0,3", "7"])
def test_check_accepts_usable_or_blank_waves(pattern: str) -> None:
    check({"type": "memory_pressure_wave", "pattern": pattern})


@pytest.mark.parametrize(
    "step", [{"type": "memory_free"}, {"type": "memory_free", "alloc_id": 1, "key": "k"}]
)
def test_memory_free_needs_exactly_one_target(step: dict[str, Any]) -> None:
    with pytest.raises(CheckError) as err:
        check(step)
    assert err.value.message == "MemoryFree: set exactly one of alloc_id or key"
    r = run([step])
    assert r["findings"] == [{"kind": "checker", "title": "memory_free",
                              "message": "MemoryFree: set exactly one of alloc_id or key"}]
    check({"type": "memory_free", "alloc_id": 1})
    check({"type": "memory_free", "key": "k"})


def test_memory_free_key_errors() -> None:
    r = run([free_key("nope")])
    assert r["findings"] == [{"kind": "checker", "title": "memory_free",
                              "message": 'missing alloc id key "nope"'}]
    assert not mem_decisions(r)
    for value in ("abc", "-1", "1.0", "", str(1 << 64)):
        r = run([{"type": "set_kv", "key": "k", "value": value}, free_key("k")])
        assert r["findings"] == [{"kind": "checker", "title": "memory_free",
                                  "message": 'alloc id key "k" is not a u64'}], value


def test_double_free_and_unknown_id_are_free_missing() -> None:
    r = run([alloc(8, "k"), free_key("k"), free_key("k")])
    assert r["findings"] == [{"kind": "checker", "title": "memory_free_missing",
                              "message": "allocation id 1 was not live"}]
    assert mem_decisions(r)[-1] == {"kind": "memory_free", "alloc_id": 1, "existed": False}
    assert events(r, "memory_free")[-1] == {"alloc_id": 1, "existed": False}
    assert r["memory"]["timeline"][-1]["kind"] == "free_missing"
    assert r["memory"]["summary"]["freeCount"] == 1
    r = run([{"type": "memory_free", "alloc_id": 99}])
    assert titles(r) == ["memory_free_missing"]
    assert r["memory"] is not None  # a free attempt is memory activity


def test_checkpoint_records_timeline_and_event() -> None:
    r = run([alloc(100, "a"), {"type": "sleep", "duration": "5ms"},
             {"type": "memory_checkpoint", "name": "mid"}, free_key("a")])
    assert r["status"] == "pass"
    assert events(r, "memory_checkpoint") == [
        {"in_use_bytes": 100, "live_allocs": 1, "name": "mid"}
    ]
    entry = r["memory"]["timeline"][1]
    assert entry == {"index": 1, "timeMs": 5, "kind": "checkpoint",
                     "fields": {"name": "mid", "inUseBytes": 100, "liveAllocs": 1}}
    only = run([{"type": "memory_checkpoint", "name": "x"}])
    assert only["status"] == "pass" and only["memory"] is not None


def test_assert_in_use_failure_message() -> None:
    r = run([alloc(5, "a"), in_use(4)])
    assert r["findings"][0] == {"kind": "assertion", "title": "memory_assert_in_use_bytes",
                                "message": "expected in_use_bytes=4, got 5"}
    assert run([in_use(0)])["status"] == "pass"


def test_allocations_inside_assert_throws_are_rolled_back() -> None:
    block = {"type": "assert_throws", "steps": [
        {"type": "memory_limit_mb", "mb": 1}, alloc(100, "inner"),
        {"type": "memory_pressure_wave", "pattern": "3"}, alloc(100),
        {"type": "memory_checkpoint", "name": "inside"}, in_use(0),
    ]}
    r = run([alloc(10, "outer"), block, in_use(10), alloc(3 * 1024 * 1024, "big"),
             {"type": "get_kv_assert", "key": "big", "equals": "2"}, free_key("outer"),
             free_key("big")])
    assert r["status"] == "pass", r["findings"]
    summary = r["memory"]["summary"]
    assert summary["allocCount"] == 2 and summary["leakedAllocs"] == 0
    assert [e["kind"] for e in r["memory"]["timeline"]] == ["alloc", "alloc", "free", "free"]
    assert [e["index"] for e in r["memory"]["timeline"]] == [0, 1, 2, 3]


def test_leak_inside_assert_throws_is_not_a_leak() -> None:
    r = run([{"type": "assert_throws", "steps": [alloc(64), {"type": "fail", "message": "x"}]}])
    assert r["status"] == "pass"
    assert r["memory"] is None  # the only activity was rolled back


def test_no_report_without_tracking_or_activity() -> None:
    r = run([{"type": "memory_limit_mb", "mb": 4}, {"type": "memory_pressure_wave",
                                                    "pattern": "2"}])
    assert r["status"] == "pass" and r["memory"] is None
    tracked = run([], memory={"track": True})
    assert tracked["memory"]["summary"]["allocCount"] == 0
    assert tracked["memory"]["options"] == {"track": True, "fail_on_leak": False,
                                            "artifacts": False}


def test_leak_findings_follow_a_failing_step_without_changing_status() -> None:
    r = run([alloc(7), {"type": "fail", "message": "boom"}])
    assert r["status"] == "fail"
    assert titles(r) == ["fail", "memory_leak"]
    t = run([alloc(7), {"type": "sleep", "duration": "10ms"}], timeout_ms=5)
    assert t["status"] == "timeout"
    assert titles(t) == ["timeout", "memory_leak"]


def test_same_seed_same_memory_run() -> None:
    steps = [{"type": "memory_fragmentation", "seed": 3}, alloc(1000, "a"), alloc(77),
             free_key("a"), {"type": "memory_checkpoint", "name": "c"}]
    r1, r2 = run(steps, seed=1), run(steps, seed=1)
    assert r1["memory"] == r2["memory"] and r1["decisions"] == r2["decisions"]


def test_field_roles() -> None:
    reg = registry()
    assert reg["memory_alloc"].fields[0].role is Role.INPUT
    assert reg["memory_assert_in_use_bytes"].fields[0].role is Role.ORACLE
    assert [f.name for f in reg["memory_free"].fields] == ["alloc_id", "key"]


def test_replay_reproduces_allocations_and_detects_a_changed_size() -> None:
    steps: list[dict[str, Any]] = [
        {"type": "memory_fragmentation", "seed": 5}, alloc(300, "a"), alloc(40, "b"),
        free_key("a"), free_key("b"),
    ]
    recorded = run(steps, seed=2)
    replayed = run(steps, seed=2, replay={"decisions": recorded["decisions"]})
    assert replayed["status"] == recorded["status"] == "pass"
    assert replayed["memory"] == recorded["memory"]
    tampered = [dict(d) for d in recorded["decisions"]]
    first = next(d for d in tampered if d["kind"] == "memory_alloc")
    first["effective_bytes"] += 1
    drifted = run(steps, seed=2, replay={"decisions": tampered})
    assert drifted["status"] == "fail"
    assert titles(drifted) == ["replay_drift", "memory_leak"]
