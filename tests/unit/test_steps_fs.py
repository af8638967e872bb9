"""fs_* steps on the virtual backend through the real engine: writes, reads, snapshots,
restores, events, rollback, and the backend seam."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.enginekit import run, titles
from workers.engine.loop import execute
from workers.steps.parse import StepParseError, parse_steps
from workers.steps.registry import Role, registry


def write(path: str, data: str) -> dict[str, Any]:
    return {"type": "fs_write", "path": path, "data": data}


def read(path: str, equals: str) -> dict[str, Any]:
    return {"type": "fs_read_assert", "path": path, "equals": equals}


def snap(name: str) -> dict[str, Any]:
    return {"type": "fs_snapshot", "name": name}


def restore(name: str) -> dict[str, Any]:
    return {"type": "fs_restore", "name": name}


def fs_events(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["fields"] for e in r["events"] if e["name"] == "capability_fs"]


def test_write_then_read_passes_with_events_and_no_decisions() -> None:
    r = run([write("a.txt", "héllo"), read("a.txt", "héllo")])
    assert r["status"] == "pass", r["findings"]
    assert r["executed"] == 2
    assert fs_events(r) == [
        {"backend": "virtual", "duration_ms": 0, "op": "write", "path": "a.txt",
         "payload_bytes": 6},
        {"backend": "virtual", "duration_ms": 0, "op": "read_assert", "path": "a.txt",
         "payload_bytes": 6},
    ]
    assert [d["kind"] for d in r["decisions"]] == ["scheduler_pick", "scheduler_pick"]
    assert r["virtualMs"] == 0


def test_write_overwrites() -> None:
    r = run([write("a", "1"), write("a", "2"), read("a", "2")])
    assert r["status"] == "pass", r["findings"]


def test_read_of_missing_file_fails_with_none() -> None:
    r = run([read("nope", "x"), {"type": "trace_event", "name": "never"}])
    assert r["status"] == "fail"
    assert r["findings"] == [{
        "kind": "assertion", "title": "fs_read_assert",
        "message": 'expected "nope" == "x", got None',
    }]
    assert fs_events(r) == []
    assert not [e for e in r["events"] if e["name"] == "never"]


def test_read_mismatch_quotes_both_values() -> None:
    r = run([write("p", 'say "hi"\n'), read("p", "bye")])
    assert r["findings"] == [{
        "kind": "assertion", "title": "fs_read_assert",
        "message": 'expected "p" == "bye", got Some("say \\"hi\\"\\n")',
    }]
    # The failing read emits no capability event; the write before it did.
    assert [e["op"] for e in fs_events(r)] == ["write"]


def test_paths_are_opaque_keys() -> None:
    r = run([write("a/b", "x"), read("./a/b", "x")])
    assert titles(r) == ["fs_read_assert"]
    r = run([write("/abs/path", "x"), read("/abs/path", "x")])
    assert r["status"] == "pass"


def test_restore_replaces_the_whole_map_and_keeps_the_snapshot() -> None:
    steps = [
        write("keep", "v1"), write("gone-later", "old"),
        snap("s"),
        write("keep", "v2"), write("new", "n"),
        restore("s"),
        read("keep", "v1"), read("gone-later", "old"),
        {"type": "assert_throws", "steps": [read("new", "n")]},
        write("keep", "v3"),
        restore("s"),
        read("keep", "v1"),
    ]
    r = run(steps)
    assert r["status"] == "pass", r["findings"]
    ops = [(e["op"], e.get("name"), e["payload_bytes"]) for e in fs_events(r)]
    assert ("snapshot", "s", 5) in ops  # "v1" + "old"
    assert ops.count(("restore", "s", 5)) == 2


def test_snapshot_is_a_copy_and_same_name_replaces_it() -> None:
    r = run([write("f", "1"), snap("s"), write("f", "2"), restore("s"), read("f", "1")])
    assert r["status"] == "pass", r["findings"]
    r = run([write("f", "1"), snap("s"), write("f", "2"), snap("s"), write("f", "3"),
             restore("s"), read("f", "2")])
    assert r["status"] == "pass", r["findings"]


def test_snapshot_of_empty_fs_restores_to_empty() -> None:
    r = run([snap("empty"), write("x", "1"), restore("empty"), read("x", "1")])
    assert r["findings"][0]["message"] == 'expected "x" == "1", got None'


def test_restore_of_missing_snapshot_is_a_checker() -> None:
    r = run([snap("a"), restore("b")])
    assert r["status"] == "fail"
    assert r["findings"] == [{
        "kind": "checker", "title": "fs_restore_missing_snapshot",
        "message": 'missing fs snapshot "b"',
    }]
    assert [e["op"] for e in fs_events(r)] == ["snapshot"]


def test_assert_throws_rolls_back_files_and_snapshots() -> None:
    steps = [
        write("f", "outer"),
        {"type": "assert_throws", "steps": [
            write("f", "inner"), write("g", "inner"), snap("inside"),
            {"type": "fail", "message": "boom"},
        ]},
        read("f", "outer"),
        {"type": "assert_rejects", "steps": [read("g", "inner")]},
        {"type": "assert_rejects", "steps": [restore("inside")]},
    ]
    r = run(steps)
    assert r["status"] == "pass", r["findings"]
    # Events of the nested steps are dropped with the rest of the block.
    assert [e["op"] for e in fs_events(r)] == ["write", "read_assert"]


def test_restore_inside_assert_throws_does_not_leak() -> None:
    steps = [
        write("f", "before"), snap("s"), write("f", "after"),
        {"type": "assert_throws", "steps": [restore("s"), read("f", "after")]},
        read("f", "after"),
    ]
    r = run(steps)
    assert r["status"] == "pass", r["findings"]


def test_non_det_mode_behaves_the_same() -> None:
    r = run([write("f", "x"), snap("s"), write("f", "y"), restore("s"), read("f", "x")],
            det=False)
    assert r["status"] == "pass", r["findings"]


def test_replay_of_a_virtual_fs_run_needs_no_fs_decisions() -> None:
    steps = [write("f", "x"), snap("s"), restore("s"), read("f", "x")]
    first = run(steps)
    again = run(steps, replay={"decisions": first["decisions"]})
    assert again["status"] == "pass", again["findings"]
    assert again["events"] == first["events"]


@pytest.mark.parametrize("backend", ["bogus", "Host"])
def test_unregistered_backend_is_an_honest_error(backend: str) -> None:
    r = run([write("f", "x")], backends={"fs": backend})
    assert r["status"] == "fail"
    assert r["findings"] == [{
        "kind": "checker", "title": "backend_unavailable",
        "message": f'fs backend "{backend}" is not available',
    }]
    assert fs_events(r) == []


def test_fields_parse_and_roles() -> None:
    with pytest.raises(StepParseError) as e:
        parse_steps([{"type": "fs_write", "path": "p"}], "/steps")
    assert e.value.pointer == "/steps/0/data"
    with pytest.raises(StepParseError) as e:
        parse_steps([{"type": "fs_read_assert", "path": 3, "equals": ""}], "/steps")
    assert e.value.pointer == "/steps/0/path"
    reg = registry()
    roles = {(s, f.name): f.role for s in ("fs_write", "fs_read_assert", "fs_snapshot",
                                            "fs_restore") for f in reg[s].fields}
    assert roles[("fs_write", "data")] is Role.INPUT
    assert roles[("fs_read_assert", "equals")] is Role.ORACLE
    assert roles[("fs_snapshot", "name")] is Role.CONTROL
    assert all(not reg[s].declaration for s in ("fs_write", "fs_snapshot"))


def test_final_state_is_the_virtual_map() -> None:
    scenario = {"version": 1, "name": "t",
                "steps": parse_steps([write("a", "1"), snap("s"), write("b", "2")], "/steps")}
    rt, result = execute({"scenario": scenario, "seed": 1, "det": True})
    assert result["status"] == "pass"
    assert rt.vfs.files == {"a": "1", "b": "2"}
    assert rt.vfs.snapshots == {"s": {"a": "1"}}
