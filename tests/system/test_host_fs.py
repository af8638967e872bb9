"""fs_* steps on the host backend: real files confined to the working directory (lexically and
by real path), snapshot/restore that never deletes a pre-existing file, every
outcome a decision, and replay that never touches the disk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.unit.enginekit import run, titles
from workers.capabilities.host_fs import HostFsState

HOST = {"fs": "host"}


def write(path: str, data: str) -> dict[str, Any]:
    return {"type": "fs_write", "path": path, "data": data}


def read(path: str, equals: str) -> dict[str, Any]:
    return {"type": "fs_read_assert", "path": path, "equals": equals}


def snap(name: str) -> dict[str, Any]:
    return {"type": "fs_snapshot", "name": name}


def restore(name: str) -> dict[str, Any]:
    return {"type": "fs_restore", "name": name}


def host(steps: list[dict[str, Any]], cwd: Path, **spec: Any) -> dict[str, Any]:
    return run(steps, backends=HOST, cwd=str(cwd), **spec)


def replay(steps: list[dict[str, Any]], first: dict[str, Any], cwd: Path) -> dict[str, Any]:
    return run(steps, backends={"fs": "replay"}, cwd=str(cwd),
               replay={"decisions": first["decisions"], "recorded_status": first["status"]})


def host_decisions(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in r["decisions"] if d["kind"] != "scheduler_pick"]


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
    }


def test_write_read_snapshot_restore_on_disk(tmp_path: Path) -> None:
    steps = [
        write("out/a.txt", "one"),
        write("./out/b.txt", "two"),
        snap("s"),
        write("out/a.txt", "changed"),
        write("out/new.txt", "later"),
        restore("s"),
        read("out/a.txt", "one"),
        read("out/b.txt", "two"),
    ]
    r = host(steps, tmp_path)
    assert r["status"] == "pass", r["findings"]
    assert tree(tmp_path) == {"out/a.txt": "one", "out/b.txt": "two"}
    kinds = [d["kind"] for d in host_decisions(r)]
    assert kinds == ["fs_write", "fs_write", "fs_snapshot", "fs_write", "fs_write",
                     "fs_restore", "fs_read_assert", "fs_read_assert"]
    snapshot = host_decisions(r)[2]
    root = os.path.realpath(tmp_path)
    assert snapshot["entries"] == {
        os.path.join(root, "out/a.txt"): b"one".hex(),
        os.path.join(root, "out/b.txt"): b"two".hex(),
    }
    assert host_decisions(r)[0]["data_hex"] == b"one".hex()
    events = [e for e in r["events"] if e["name"] == "capability_fs"]
    assert {e["fields"]["backend"] for e in events} == {"host"}
    assert r["virtualMs"] == sum(d["duration_ms"] for d in host_decisions(r))


def test_restore_rewrites_changed_files_and_drops_absent_ones(tmp_path: Path) -> None:
    r = host([read("x.txt", "nope")], tmp_path)
    assert titles(r) == ["host_fs_read_assert"]
    assert "failed to read host fs path" in r["findings"][0]["message"]
    steps = [
        {"type": "assert_throws", "steps": [read("x.txt", "nope")]},
        snap("empty"),
        write("x.txt", "created"),
        restore("empty"),
    ]
    r = host(steps, tmp_path)
    assert r["status"] == "pass", r["findings"]
    assert not (tmp_path / "x.txt").exists()


def test_restore_never_deletes_a_preexisting_file_the_run_only_read(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("user data")
    steps = [snap("s"), read("keep.txt", "user data"), write("mine.txt", "x"), restore("s")]
    r = host(steps, tmp_path)
    assert r["status"] == "pass", r["findings"]
    assert tree(tmp_path) == {"keep.txt": "user data"}


def test_restore_puts_back_a_preexisting_file_the_run_overwrote(tmp_path: Path) -> None:
    (tmp_path / "over.txt").write_text("old")
    r = host([snap("s"), write("over.txt", "new"), restore("s")], tmp_path)
    assert r["status"] == "pass", r["findings"]
    assert (tmp_path / "over.txt").read_text() == "old"


def test_missing_snapshot(tmp_path: Path) -> None:
    r = host([restore("nope")], tmp_path)
    assert r["findings"] == [{
        "kind": "checker", "title": "host_fs_restore_missing_snapshot",
        "message": 'missing host fs snapshot "nope"',
    }]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/etc/passwd", 'host fs path must be relative to cwd root: "/etc/passwd"'),
        ("../x", 'host fs path escapes cwd root: "../x"'),
        ("a/../../x", 'host fs path escapes cwd root: "a/../../x"'),
    ],
)
def test_lexical_escapes_are_refused(tmp_path: Path, path: str, message: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    r = host([write(path, "x")], root)
    assert r["findings"] == [{"kind": "checker", "title": "host_fs_path", "message": message}]
    assert host_decisions(r) == []
    assert not (tmp_path / "x").exists()


def test_symlink_escape_is_refused_and_recorded(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (root / "link").symlink_to(outside, target_is_directory=True)
    for step in (write("link/evil.txt", "x"), read("link/secret.txt", "secret")):
        r = host([step], root)
        assert titles(r) == ["host_fs_path"]
        assert "through a symlink" in r["findings"][0]["message"]
        [d] = host_decisions(r)
        assert d["failure"]["title"] == "host_fs_path"
        assert replay([step], r, tmp_path / "empty")["findings"] == r["findings"]
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_symlink_inside_the_root_is_fine(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    r = host([write("alias/f.txt", "via link"), read("real/f.txt", "via link")], tmp_path)
    assert r["status"] == "pass", r["findings"]


def test_mismatch_and_invalid_utf8(tmp_path: Path) -> None:
    (tmp_path / "bin").write_bytes(b"\xff\xfe")
    r = host([write("t.txt", "actual"), read("t.txt", "expected")], tmp_path)
    assert r["findings"][0]["message"] == 'expected "t.txt" == "expected", got "actual"'
    bad = host([read("bin", "x")], tmp_path)
    assert titles(bad) == ["host_fs_read_assert"]
    assert bad["findings"][0]["message"].startswith('failed to read host fs path "bin": ')


def test_write_into_a_file_as_directory_is_an_io_assertion(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("plain file")
    r = host([write("f/child.txt", "x")], tmp_path)
    assert titles(r) == ["host_fs_write"]
    assert r["findings"][0]["kind"] == "assertion"
    assert r["findings"][0]["message"].startswith('failed to create parent dir for "f/child.txt"')


def test_replay_never_touches_the_disk(tmp_path: Path) -> None:
    live, empty = tmp_path / "live", tmp_path / "replay"
    live.mkdir()
    empty.mkdir()
    steps = [write("d/a.txt", "1"), snap("s"), write("d/a.txt", "2"), restore("s"),
             read("d/a.txt", "1"), read("d/a.txt", "wrong")]
    r = host(steps, live)
    assert titles(r) == ["host_fs_read_assert"]
    again = replay(steps, r, empty)
    assert again["status"] == "fail"
    assert again["findings"] == r["findings"]
    assert again["decisions"] == r["decisions"]
    assert again["virtualMs"] == r["virtualMs"]
    assert list(empty.iterdir()) == []
    drifted = replay([write("d/a.txt", "other")], r, empty)
    assert titles(drifted) == ["replay_drift"]
    missing = host([restore("never")], live)
    assert titles(replay([restore("never")], missing, empty)) == [
        "host_fs_restore_missing_snapshot"
    ]


def test_bookkeeping_checkpoints_for_rollback(tmp_path: Path) -> None:
    st = HostFsState(str(tmp_path))
    st.touch(str(tmp_path / "a"))
    saved = st.checkpoint()
    st.touch(str(tmp_path / "b"))
    st.written.add(str(tmp_path / "b"))
    st.snapshots["s"] = {}
    st.restore(saved)
    assert st.touched == {str(tmp_path / "a")}
    assert st.written == set()
    assert st.snapshots == {}
