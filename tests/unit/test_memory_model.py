"""The allocator model and leak policy on their own: options, sizes, finish, report, graph."""

from __future__ import annotations

import re
from typing import Any

import blake3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.engine.memory import (
    U64_MAX,
    MemoryModel,
    MemoryOptionsError,
    callsite_hash,
    fragmentation_pct,
    normalize_options,
    parse_wave,
    settings,
    wave_problem,
)
from workers.engine.runtime import Runtime


def runtime(**memory: Any) -> Runtime:
    return Runtime({"seed": 1, "memory": memory})


@pytest.mark.parametrize(
    ("pattern", "wave"),
    [("1,x,0,3", [1, 3]), ("", []), (" 2 , 4 ", [2, 4]), ("-1,+2,3", [3]), ("1.5,2", [2]),
     (str(U64_MAX + 1), []), ("٣", [])],
)
def test_parse_wave(pattern: str, wave: list[int]) -> None:
    assert parse_wave(pattern) == wave


def test_options_normalized_and_track_forced() -> None:
    assert normalize_options({}) == {"track": False, "fail_on_leak": False, "artifacts": False}
    assert normalize_options({"leak_budget_bytes": 0}) == {
        "track": True, "fail_on_leak": False, "leak_budget_bytes": 0, "artifacts": False
    }
    assert normalize_options({"artifacts": True})["track"] is True
    assert normalize_options({"pressure_wave": "1,2", "limit_mb": None})["track"] is True
    assert list(normalize_options({"artifacts": True, "limit_mb": 3})) == [
        "track", "limit_mb", "fail_on_leak", "artifacts"
    ]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [({"limitMb": 1}, "unknown memory option(s): limitMb"),
     ({"limit_mb": -1}, "limit_mb must be an unsigned"),
     ({"limit_mb": True}, "limit_mb must be an unsigned"),
     ({"fail_on_leak": "yes"}, "fail_on_leak must be a boolean"),
     ({"pressure_wave": [1, 2]}, "pressure_wave must be a string")],
)
def test_bad_options_are_rejected(raw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(MemoryOptionsError, match=re.escape(fragment)):
        MemoryModel(raw)


def test_settings_are_remembered_per_option_set_never_across_types() -> None:
    first = settings({"limit_mb": 1, "pressure_wave": "1,2"})
    assert settings({"limit_mb": 1, "pressure_wave": "1,2"}) is first
    assert dict(first[0]) == normalize_options({"limit_mb": 1, "pressure_wave": "1,2"})
    assert first[1] == (1, 2)
    # `true` equals `1` for a dict key but is not an unsigned integer option.
    with pytest.raises(MemoryOptionsError, match="limit_mb must be an unsigned"):
        settings({"limit_mb": True, "pressure_wave": "1,2"})
    with pytest.raises(MemoryOptionsError, match="pressure_wave must be a string"):
        settings({"pressure_wave": [1, 2]})
    with pytest.raises(TypeError):
        first[0]["limit_mb"] = 2  # type: ignore[index]


def test_models_from_one_option_set_do_not_share_state() -> None:
    a, b = runtime(pressure_wave="1,2"), runtime(pressure_wave="1,2")
    assert a.mem.options is b.mem.options
    a.mem.wave.append(9)
    a.mem.limit_mb = 1
    assert b.mem.wave == [1, 2] and b.mem.limit_mb is None
    assert runtime(pressure_wave="1,2").mem.wave == [1, 2]


def test_callsite_hash_is_blake3_of_the_callsite() -> None:
    for text in ("memory_alloc|path=a|step=1", "memory_alloc|path=a|step=1", "x"):
        assert callsite_hash(text) == blake3.blake3(text.encode()).hexdigest()


def test_finish_without_report_applies_the_same_policy() -> None:
    def run(report: bool) -> tuple[str, object, list[str]]:
        rt = runtime(track=True, leak_budget_bytes=5)
        rt.mem.allocate(rt, 10, "cs", None)
        status, got = rt.mem.finish(rt, "pass", report)
        return status, got, [f["title"] for f in rt.findings]

    status, report, found = run(True)
    assert (status, found) == ("fail", ["memory_leak_budget"]) and report is not None
    assert run(False) == (status, None, found)


def test_fragmentation_pct_is_blake3_first_byte_mod_31() -> None:
    data = (7).to_bytes(8, "little") + (1).to_bytes(8, "little") + (200000).to_bytes(8, "little")
    assert fragmentation_pct(7, 1, 200000) == blake3.blake3(data).digest()[0] % 31
    assert fragmentation_pct(7, 1, 200000) == 12  # 200000 → 224000 in the worked example
    assert all(0 <= fragmentation_pct(s, 1, 10) <= 30 for s in range(200))


def test_worked_example_sizes_via_the_model() -> None:
    rt = runtime(fragmentation_seed=7, pressure_wave="1,2,4")
    sizes = [rt.mem.allocate(rt, 200000, "cs", None).effective for _ in range(3)]
    assert sizes == [224000, 480000, 1008000]
    assert rt.mem.in_use_bytes() == 1712000 == rt.mem.peak


def test_wave_cycles_by_attempt_including_failures() -> None:
    rt = runtime(pressure_wave="1,10", fail_after_allocs=2)
    outs = [rt.mem.allocate(rt, 5, "cs", None) for _ in range(4)]
    assert [o.effective for o in outs] == [5, 50, 5, 50]
    assert [o.failed_reason for o in outs] == [None, None, "fail_after_allocs"] * 1 + [
        "fail_after_allocs"
    ]
    assert rt.mem.alloc_ops == 4 and rt.mem.failed == 2


def test_limit_is_checked_before_fail_after() -> None:
    rt = runtime(limit_mb=1, fail_after_allocs=0)
    assert rt.mem.allocate(rt, 2 << 20, "cs", None).failed_reason == "limit_mb"
    assert rt.mem.allocate(rt, 1, "cs", None).failed_reason == "fail_after_allocs"
    fits = runtime(limit_mb=1)
    assert fits.mem.allocate(fits, 1 << 20, "cs", None).alloc is not None
    assert fits.mem.allocate(fits, 1, "cs", None).failed_reason == "limit_mb"


def test_sizes_saturate_at_u64() -> None:
    rt = runtime(pressure_wave="4", fragmentation_seed=7)
    out = rt.mem.allocate(rt, U64_MAX, "cs", None)
    assert out.effective == U64_MAX
    rt.mem.allocate(rt, U64_MAX, "cs", None)
    assert rt.mem.in_use == U64_MAX


LEAK_TABLE = [
    # leaked, fail_on_leak, budget, findings, final status from pass
    (0, False, None, [], "pass"),
    (0, True, 0, [], "pass"),
    (100, False, None, ["memory_leak"], "fail"),
    (100, False, 100, [], "pass"),
    (100, False, 99, ["memory_leak_budget"], "fail"),
    (100, True, None, ["memory_leak"], "fail"),
    (100, True, 1000, ["memory_leak"], "fail"),
    (100, True, 10, ["memory_leak", "memory_leak_budget"], "fail"),
]


@pytest.mark.parametrize(("leaked", "fail_on_leak", "budget", "found", "status"), LEAK_TABLE)
def test_leak_policy_table(
    leaked: int, fail_on_leak: bool, budget: int | None, found: list[str], status: str
) -> None:
    options: dict[str, Any] = {"track": True, "fail_on_leak": fail_on_leak}
    if budget is not None:
        options["leak_budget_bytes"] = budget
    rt = runtime(**options)
    if leaked:
        rt.mem.allocate(rt, leaked, "cs", None)
    got_status, report = rt.mem.finish(rt, "pass")
    assert got_status == status
    assert [f["title"] for f in rt.findings] == found
    assert all(f["kind"] == "checker" for f in rt.findings)
    assert report is not None and report["summary"]["leakedBytes"] == leaked
    for other in ("fail", "timeout"):
        rt2 = runtime(**options)
        if leaked:
            rt2.mem.allocate(rt2, leaked, "cs", None)
        assert rt2.mem.finish(rt2, other)[0] == other
        assert [f["title"] for f in rt2.findings] == found


def test_leak_messages() -> None:
    rt = runtime(leak_budget_bytes=5, fail_on_leak=True)
    rt.mem.allocate(rt, 4, "cs", None)
    rt.mem.allocate(rt, 3, "cs", None)
    rt.mem.finish(rt, "pass")
    assert [f["message"] for f in rt.findings] == [
        "detected 2 leaked allocation(s), leaked_bytes=7",
        "leak budget exceeded: leaked_bytes=7 budget_bytes=5",
    ]


def test_report_shape_graph_and_leaks() -> None:
    rt = runtime(track=True, artifacts=True, leak_budget_bytes=1 << 20)
    rt.clock.advance(3)
    a = rt.mem.allocate(rt, 10, "site-a", "t1").alloc
    b = rt.mem.allocate(rt, 20, "site-a", None).alloc
    c = rt.mem.allocate(rt, 30, "site-b", None).alloc
    assert a is not None and b is not None and c is not None
    rt.mem.free(rt, b.id)
    assert rt.mem.free(rt, b.id) is None
    rt.mem.checkpoint_entry(rt, "end")
    status, report = rt.mem.finish(rt, "pass")
    assert status == "pass" and report is not None
    assert list(report) == ["schemaVersion", "options", "summary", "leaks", "timeline", "graph"]
    assert report["schemaVersion"] == "fozzy.memory_report.v1"
    assert report["summary"] == {
        "allocCount": 3, "freeCount": 1, "failedAllocCount": 0, "inUseBytes": 40,
        "peakBytes": 60, "leakedBytes": 40, "leakedAllocs": 2,
    }
    assert report["leaks"] == [
        {"allocId": 1, "bytes": 10, "callsiteHash": a.callsite, "tag": "t1"},
        {"allocId": 3, "bytes": 30, "callsiteHash": c.callsite},
    ]
    assert [(e["index"], e["timeMs"], e["kind"]) for e in report["timeline"]] == [
        (0, 3, "alloc"), (1, 3, "alloc"), (2, 3, "alloc"), (3, 3, "free"),
        (4, 3, "free_missing"), (5, 3, "checkpoint"),
    ]
    assert report["timeline"][0]["fields"] == {
        "allocId": 1, "bytes": 10, "effectiveBytes": 10, "inUseBytes": 10,
        "callsiteHash": a.callsite, "tag": "t1",
    }
    assert report["timeline"][3]["fields"] == {"allocId": 2, "bytes": 20, "inUseBytes": 40}
    graph = report["graph"]
    ids = [n["id"] for n in graph["nodes"]]
    assert ids == sorted(ids)
    assert {n["kind"] for n in graph["nodes"]} == {"alloc", "callsite", "free"}
    assert {"id": "alloc:2", "kind": "alloc", "label": "2"} in graph["nodes"]
    assert sum(n["kind"] == "alloc" for n in graph["nodes"]) == 3  # freeCount + leakedAllocs
    assert sum(n["kind"] == "free" for n in graph["nodes"]) == 1
    assert sum(n["kind"] == "callsite" for n in graph["nodes"]) == 2
    assert {"from": "alloc:2", "to": "free:2", "kind": "freed_by"} in graph["edges"]
    assert {"from": f"callsite:{a.callsite}", "to": "alloc:2", "kind": "allocates"} in (
        graph["edges"]
    )
    assert sorted(e["kind"] for e in graph["edges"]) == ["allocates"] * 3 + ["freed_by"]


def test_host_peak_is_activity_and_raises_peak() -> None:
    rt = runtime()
    assert rt.mem.finish(rt, "pass") == ("pass", None)
    rt.mem.record_host_peak(rt, "python3", ["-c", "pass"], 5_000_000, 4)
    status, report = rt.mem.finish(rt, "pass")
    assert status == "pass" and report is not None
    assert report["summary"]["peakBytes"] == 5_000_000
    assert report["timeline"] == [{
        "index": 0, "timeMs": 0, "kind": "host_proc_peak",
        "fields": {"cmd": "python3", "args": ["-c", "pass"], "peakBytes": 5_000_000,
                   "samples": 4},
    }]


def test_checkpoint_restore_round_trip() -> None:
    rt = runtime()
    m = rt.mem
    m.allocate(rt, 10, "cs", None)
    saved = m.checkpoint()
    before = m.report()
    m.limit_mb, m.fail_after, m.frag_seed, m.wave = 1, 9, 3, [5]
    m.allocate(rt, 100, "cs", None)
    m.free(rt, 1)
    m.record_host_peak(rt, "x", [], 1 << 40, 1)
    m.restore(saved)
    assert m.report() == before
    knobs: tuple[object, ...] = (m.limit_mb, m.fail_after, m.frag_seed, m.wave)
    assert knobs == (None, None, None, [])
    # The saved state is not aliased by later mutation.
    m.allocate(rt, 7, "cs", None)
    m.restore(saved)
    assert m.report() == before


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 1 << 20)), max_size=40))
def test_in_use_always_equals_live_sum(ops: list[tuple[bool, int]]) -> None:
    rt = runtime(pressure_wave="1,3,2", fragmentation_seed=11)
    m = rt.mem
    for is_alloc, n in ops:
        if is_alloc:
            m.allocate(rt, n, "cs", None)
        else:
            m.free(rt, n % (m.next_id + 1))
        assert m.in_use == sum(a.effective for a in m.live.values())
        assert m.peak >= m.in_use
    report = m.report()
    s = report["summary"]
    edges = report["graph"]["edges"]
    assert sum(e["kind"] == "allocates" for e in edges) == s["freeCount"] + s["leakedAllocs"]
    assert sum(e["kind"] == "freed_by" for e in edges) == s["freeCount"]
    assert sum(leak["bytes"] for leak in report["leaks"]) == s["leakedBytes"]


@pytest.mark.parametrize(("pattern", "bad"), [("x", True), ("0", True), ("", False),
                                              ("1,x", False), ("  ", False)])
def test_wave_problem_only_for_patterns_with_nothing_usable(pattern: str, bad: bool) -> None:
    assert (wave_problem(pattern) is not None) is bad
