"""The trace document builder and what a trace says about the backends its run used."""

from __future__ import annotations

from typing import Any

import pytest

from fozzy.trace.model import MEMBER_ORDER, build_trace, recorded_host_families, trace_kind


def doc(**over: Any) -> dict[str, Any]:
    d = build_trace(
        mode="run", scenario_path="s.fozzy.json",
        scenario={"version": 1, "name": "s", "steps": []}, decisions=[], events=[],
        summary={"status": "pass", "mode": "run", "identity": {"seed": 1}},
        memory={"schemaVersion": "x", "options": {"track": True}, "summary": {"peakBytes": 0},
                "leaks": [], "timeline": [{"t": 1}], "graph": {"nodes": [], "edges": []}},
        backends={"http": "scripted", "proc": "host", "fs": "virtual"},
    )
    d.update(over)
    return d


def test_members_follow_the_declared_order() -> None:
    d = doc()
    assert list(d) == [m for m in MEMBER_ORDER if m in d]
    assert list(d["backends"]) == ["proc", "fs", "http"]
    # memory keeps options and summary; empty leaks/graph and the timeline stay out
    assert d["memory"] == {"options": {"track": True}, "summary": {"peakBytes": 0}}


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown trace mode"):
        build_trace(mode="walk", scenario_path=None, scenario=None, decisions=[], events=[],
                    summary={})


def test_kind() -> None:
    assert trace_kind(doc()) == "steps"
    assert trace_kind(doc(scenario=None, fuzz={"target": "fn:x", "input_hex": ""})) == "fuzz"
    assert trace_kind(doc(scenario=None, explore={})) == "explore"


def test_host_families_from_the_backends_member_first() -> None:
    assert recorded_host_families(doc()) == {"proc"}


def test_host_families_inferred_without_a_backends_member() -> None:
    d = doc()
    del d["backends"]
    assert recorded_host_families(d) == set()
    d["events"] = [{"time_ms": 0, "name": "capability_fs", "fields": {"backend": "host"}}]
    # a host call that failed before its event was emitted still left its decision
    d["decisions"] = [{"kind": "proc_spawn_timeout", "cmd": "x", "args": []},
                      {"kind": "http_request", "method": "GET", "path": "/"}]
    assert recorded_host_families(d) == {"fs", "proc", "http"}
    # scripted proc_spawn decisions do not count as host use
    d["events"], d["decisions"] = [], [{"kind": "proc_spawn", "cmd": "x", "args": []}]
    assert recorded_host_families(d) == set()
