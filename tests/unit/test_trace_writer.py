"""The one trace writer: collision policies, the lock, atomic writes, the tracePath invariant."""

from __future__ import annotations

import errno
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson
import psutil
import pytest

from fozzy.errors import ArgumentError, TraceError
from fozzy.trace.model import build_trace
from fozzy.trace.reader import read_trace
from fozzy.trace.verify import verify_trace
from fozzy.trace.writer import (
    LOCK_STALE_SECONDS,
    LOCK_WRITE_GRACE_SECONDS,
    append_candidate,
    lock_path,
    release_target,
    resolve_target,
    write_trace,
)


def doc() -> dict[str, Any]:
    return build_trace(
        mode="run", scenario_path=None,
        scenario={"version": 1, "name": "x", "steps": [{"type": "fail", "message": "m"}]},
        decisions=[{"kind": "scheduler_pick", "task_id": 1, "label": "fail"}], events=[],
        summary={"status": "fail", "mode": "run",
                 "identity": {"runId": "r", "seed": 1, "reportPath": "/x/report.json"}},
    )


def record(path: Path | str, policy: str = "append") -> Path:
    return write_trace(resolve_target(path, policy), doc())


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOZZY_TRACE_PRETTY", raising=False)


def test_relative_path_is_normalized_and_embedded(tmp_path: Path) -> None:
    written = record("sub/../out/t.fozzy")
    assert written == tmp_path / "out" / "t.fozzy"
    _, d = read_trace(written)
    identity = d["summary"]["identity"]
    assert identity["tracePath"] == str(written)
    assert list(identity) == ["runId", "seed", "tracePath", "reportPath"]


def test_append_numbers_after_the_highest_existing(tmp_path: Path) -> None:
    assert record("trace.fozzy") == tmp_path / "trace.fozzy"
    second = record("trace.fozzy")
    assert second == tmp_path / "trace.1.fozzy"
    assert read_trace(second)[1]["summary"]["identity"]["tracePath"] == str(second)
    (tmp_path / "trace.7.fozzy").write_bytes(b"{}")
    assert record("trace.fozzy") == tmp_path / "trace.8.fozzy"


def test_append_splits_on_the_last_dot_and_defaults_the_extension(tmp_path: Path) -> None:
    (tmp_path / "run.trace.fozzy").write_bytes(b"")
    assert append_candidate(tmp_path / "run.trace.fozzy") == tmp_path / "run.trace.1.fozzy"
    (tmp_path / "plain").write_bytes(b"")
    assert append_candidate(tmp_path / "plain") == tmp_path / "plain.1.fozzy"


def test_error_policy_refuses_an_existing_file_before_anything_is_written(
    tmp_path: Path,
) -> None:
    record("t.fozzy")
    before = (tmp_path / "t.fozzy").read_bytes()
    with pytest.raises(TraceError, match=r"record collision: .* already exists"):
        resolve_target("t.fozzy", "error")
    assert (tmp_path / "t.fozzy").read_bytes() == before
    assert not lock_path(tmp_path / "t.fozzy").exists()


def test_overwrite_replaces_in_place(tmp_path: Path) -> None:
    (tmp_path / "t.fozzy").write_bytes(b"old")
    assert record("t.fozzy", "overwrite") == tmp_path / "t.fozzy"
    assert verify_trace(tmp_path / "t.fozzy", strict=True)["ok"]


def test_unknown_policy_is_an_argument_error() -> None:
    with pytest.raises(ArgumentError, match=r"error\|overwrite\|append"):
        resolve_target("t.fozzy", "replace")


def test_directory_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(TraceError, match="is a directory"):
        resolve_target("d", "overwrite")


def test_lock_reserves_the_name_until_written(tmp_path: Path) -> None:
    target = resolve_target("t.fozzy", "overwrite")
    lock = lock_path(target)
    assert lock.read_text().startswith(f"pid={os.getpid()} started=")
    with pytest.raises(TraceError, match="active writer holds lock"):
        resolve_target("t.fozzy", "overwrite")
    with pytest.raises(TraceError, match="active writer holds lock"):
        resolve_target("t.fozzy", "error")
    # append moves on to the next free name instead of waiting
    other = resolve_target("t.fozzy", "append")
    assert other == tmp_path / "t.1.fozzy"
    write_trace(target, doc())
    write_trace(other, doc())
    assert not lock.exists() and not lock_path(other).exists()
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_release_frees_an_abandoned_reservation() -> None:
    target = resolve_target("t.fozzy", "error")
    release_target(target)
    assert not lock_path(target).exists()
    assert resolve_target("t.fozzy", "error") == target


def test_lock_of_another_live_writer_is_respected(tmp_path: Path) -> None:
    target = tmp_path / "t.fozzy"
    lock = lock_path(target)
    now_ms = int(time.time() * 1000)
    live = os.getppid()
    started = psutil.Process(live).create_time()
    lock.write_text(f"pid={live} started={started} created_unix_ms={now_ms}\n")
    with pytest.raises(TraceError, match="active writer holds lock"):
        resolve_target(target, "overwrite")
    # an older fozzy's lock (no start time) of a live pid holds until it is stale
    lock.write_text(f"pid={live} created_unix_ms={now_ms}\n")
    with pytest.raises(TraceError, match="active writer holds lock"):
        resolve_target(target, "overwrite")
    old_ms = now_ms - int((LOCK_STALE_SECONDS + 5) * 1000)
    lock.write_text(f"pid={live} created_unix_ms={old_ms}\n")
    assert resolve_target(target, "overwrite") == target
    release_target(target)


def test_lock_whose_owner_is_gone_is_reclaimed_at_once(tmp_path: Path) -> None:
    target = tmp_path / "t.fozzy"
    lock = lock_path(target)
    now_ms = int(time.time() * 1000)
    # the pid now belongs to another process (a different start time): the owner is gone
    reused = os.getppid()
    lock.write_text(f"pid={reused} started=12345.0 created_unix_ms={now_ms}\n")
    assert resolve_target(target, "overwrite") == target
    release_target(target)
    gone = subprocess.Popen(["true"])
    gone.wait()
    lock.write_text(f"pid={gone.pid} started=12345.0 created_unix_ms={now_ms}\n")
    orphan = tmp_path / f".t.fozzy.{gone.pid}.abc.tmp"
    orphan.write_bytes(b"partial")
    assert resolve_target(target, "overwrite") == target
    assert not orphan.exists()
    write_trace(target, doc())
    assert verify_trace(target, strict=True)["ok"]


def test_lock_that_could_not_be_written_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "write", full)
        with pytest.raises(TraceError, match="No space left"):
            resolve_target("t.fozzy", "overwrite")
    assert not lock_path(tmp_path / "t.fozzy").exists()
    assert resolve_target("t.fozzy", "overwrite") == tmp_path / "t.fozzy"


def test_unreadable_lock_content_ages_by_mtime(tmp_path: Path) -> None:
    lock = lock_path(tmp_path / "t.fozzy")
    lock.write_text("garbage")
    with pytest.raises(TraceError, match="active writer"):
        resolve_target("t.fozzy", "overwrite")
    old = time.time() - LOCK_WRITE_GRACE_SECONDS - 5
    os.utime(lock, (old, old))
    assert LOCK_WRITE_GRACE_SECONDS < LOCK_STALE_SECONDS
    assert resolve_target("t.fozzy", "overwrite") == tmp_path / "t.fozzy"


def test_write_without_reservation_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="no reservation"):
        write_trace(tmp_path / "t.fozzy", doc())
    assert not (tmp_path / "t.fozzy").exists()


def test_unserializable_document_leaves_nothing_behind(tmp_path: Path) -> None:
    target = resolve_target("t.fozzy", "error")
    bad = doc()
    bad["events"] = [{"time_ms": 0, "name": "x", "fields": {"n": 1 << 80}}]
    with pytest.raises(TraceError, match="cannot serialize"):
        write_trace(target, bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_pretty_env_writes_indented_json_that_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOZZY_TRACE_PRETTY", "true")
    written = record("p.fozzy")
    assert written.read_bytes().startswith(b'{\n  "format": "fozzy-trace"')
    assert verify_trace(written, strict=True)["checksumValid"]
    assert list(orjson.loads(written.read_bytes()))[-1] == "checksum"


def test_lock_owner_start_time_matches_psutil_and_ends_with_the_process() -> None:
    """Locks record a start time read from /proc; it must equal psutil's create_time (locks
    written by either compare equal) and be None once the process is gone."""
    import subprocess

    import psutil

    from fozzy.trace.writer import _start_time

    for pid in (os.getpid(), os.getppid(), 1):
        assert _start_time(pid) == psutil.Process(pid).create_time()
    child = subprocess.Popen(["sleep", "0"])
    child.wait()
    assert _start_time(child.pid) is None
