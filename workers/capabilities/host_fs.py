"""Host fs backend: real files, confined beneath the run's working directory.

Confinement is checked twice: lexically (absolute paths, `..` and NUL bytes are refused
before anything is touched, so replay repeats the refusal without a disk) and by the lookup
itself: every path is resolved beneath a directory fd of the root (`workers.capabilities.
beneath`), so a symlink, or a directory swapped for one mid-run, cannot lead a write, read,
snapshot or restore outside it, and there is no gap between a check and an open. Writes make
a new file and rename it into place, so a hard link inside the root to a file outside never
carries a write out.

Bookkeeping (`HostFsState`, kept in `rt.host["fs"]` so `assert_throws` can roll it back)
remembers which paths the run touched, whether each existed before the run first touched it,
which it wrote, and the content from before the run of every pre-existing file it wrote.
`fs_restore` follows the reference (rewrite captured files, delete files captured as absent
and touched paths not in the snapshot) with one deliberate deviation: a file that existed
before the run is never deleted; if the run changed it, its content from before the run is
put back (DECISIONS).

Each step's outcome, failures included, is a decision, produced by `live_*` and applied by
`apply`, which the replay backend shares.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any, TypeVar

from workers.capabilities import (
    duration_of,
    failure_member,
    pass_host_time,
    recorded_failure,
)
from workers.capabilities.beneath import Beneath, Escape, write_in
from workers.engine.findings import StepFailed, assertion, checker
from workers.engine.quote import q
from workers.engine.runtime import Decision, Runtime
from workers.steps.fs import FS_BACKENDS, FsDone

Entries = dict[str, str | None]
R = TypeVar("R")

#: Bytes of pre-existing files a run may overwrite (their old content is kept in memory so
#: that `fs_restore` can put it back); a write past it fails instead.
MAX_ORIGINAL_BYTES = 256 * 1024 * 1024


class HostFsState:
    """Touched paths, first-touch existence, written paths, original contents and named
    snapshots of one run. Keys are the root joined with the normalised step path."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.touched: set[str] = set()
        self.existed: dict[str, bool] = {}
        self.written: set[str] = set()
        self.originals: dict[str, bytes] = {}
        self.snapshots: dict[str, Entries] = {}
        self._beneath: Beneath | None = None

    @property
    def beneath(self) -> Beneath:
        """The root's directory fd, opened on first use and closed by `close` at run end."""
        if self._beneath is None:
            self._beneath = Beneath(self.root)
        return self._beneath

    def close(self) -> None:
        if self._beneath is not None:
            self._beneath.close()
            self._beneath = None

    def key(self, path: str) -> str:
        return os.path.join(self.root, os.path.normpath(path))

    def rel(self, key: str) -> str:
        return key[len(self.root):].lstrip("/") or "."

    def touch(self, key: str) -> None:
        if key not in self.existed:
            self.existed[key] = self.beneath.lexists(self.rel(key))
        self.touched.add(key)

    def keep_original(self, key: str) -> None:
        """Before the first write of a file that existed before the run, keep its content."""
        if not self.existed.get(key) or key in self.originals or key in self.written:
            return
        room = MAX_ORIGINAL_BYTES - sum(len(b) for b in self.originals.values())
        self.originals[key] = self.beneath.read(self.rel(key), max(0, room))

    def checkpoint(self) -> Any:
        # `existed` and `originals` describe the disk before the run: no rollback undoes them.
        return (set(self.touched), set(self.written), dict(self.snapshots))

    def restore(self, saved: Any) -> None:
        touched, written, snapshots = saved
        self.touched, self.written, self.snapshots = set(touched), set(written), dict(snapshots)


def state(rt: Runtime) -> HostFsState:
    st = rt.host.get("fs")
    if not isinstance(st, HostFsState):
        st = HostFsState(os.path.realpath(rt.cwd))
        rt.host["fs"] = st
        rt.on_close(st.close)
    return st


def check_lexical(path: str) -> None:
    """Refusals that depend on the path text alone (so replay repeats them without a disk)."""
    if "\0" in path:
        raise checker("host_fs_path", f"host fs path contains a NUL byte: {q(path)}")
    if path.startswith("/") or os.path.isabs(path):
        raise checker("host_fs_path", f"host fs path must be relative to cwd root: {q(path)}")
    if ".." in PurePosixPath(path).parts:
        raise checker("host_fs_path", f"host fs path escapes cwd root: {q(path)}")


def beneath(path: str, op: Callable[[], R]) -> R:
    """Run a lookup under the root; leaving it is the step's `host_fs_path` finding."""
    try:
        return op()
    except Escape:
        raise checker(
            "host_fs_path", f"host fs path escapes cwd root through a symlink: {q(path)}"
        ) from None


def _finish(decision: Decision, t0: int, failure: StepFailed | None) -> Decision:
    decision["duration_ms"] = duration_of(time.monotonic_ns() - t0)
    if failure is not None:
        decision["failure"] = failure_member(failure)
    return decision


def live_write(rt: Runtime, path: str, data: str) -> Decision:
    st = state(rt)
    t0 = time.monotonic_ns()
    failure = None
    try:
        key = st.key(path)
        try:
            beneath(path, lambda: st.touch(key))
            beneath(path, lambda: st.keep_original(key))
        except OSError as e:
            raise assertion(
                "host_fs_write", f"failed to keep the old content of {q(path)}: {e}"
            ) from None
        try:
            parent, name = beneath(path, lambda: st.beneath.locate(st.rel(key), create=True))
        except OSError as e:
            raise assertion(
                "host_fs_write", f"failed to create parent dir for {q(path)}: {e}"
            ) from None
        try:
            write_in(parent, name, data.encode())
        except OSError as e:
            raise assertion(
                "host_fs_write", f"failed to write host fs path {q(path)}: {e}"
            ) from None
        st.written.add(key)
    except StepFailed as e:
        failure = e
    return _finish({"kind": "fs_write", "path": path, "data_hex": data.encode().hex()}, t0,
                   failure)


def live_read_assert(rt: Runtime, path: str, equals: str) -> Decision:
    st = state(rt)
    t0 = time.monotonic_ns()
    failure = None
    try:
        key = st.key(path)
        try:
            beneath(path, lambda: st.touch(key))
            actual = beneath(path, lambda: st.beneath.read(st.rel(key))).decode()
        except (OSError, UnicodeDecodeError) as e:
            raise assertion(
                "host_fs_read_assert", f"failed to read host fs path {q(path)}: {e}"
            ) from None
        if actual != equals:
            raise assertion(
                "host_fs_read_assert", f"expected {q(path)} == {q(equals)}, got {q(actual)}"
            )
    except StepFailed as e:
        failure = e
    decision = {"kind": "fs_read_assert", "path": path, "data_hex": equals.encode().hex()}
    return _finish(decision, t0, failure)


def _outside(op: str, key: str) -> StepFailed:
    verb = "read" if op == "snapshot" else "restore"
    return assertion(
        f"host_fs_{op}", f"refusing to {verb} {q(key)}: it now resolves outside the cwd root"
    )


def live_snapshot(rt: Runtime, name: str) -> Decision:
    st = state(rt)
    t0 = time.monotonic_ns()
    entries: Entries = {}
    failure = None
    try:
        for key in sorted(st.touched):
            try:
                entries[key] = st.beneath.read(st.rel(key)).hex()
            except Escape:
                raise _outside("snapshot", key) from None
            except FileNotFoundError:
                entries[key] = None
            except OSError as e:
                raise assertion(
                    "host_fs_snapshot", f"failed to snapshot host fs path {q(key)}: {e}"
                ) from None
    except StepFailed as e:
        failure = e
    decision = {"kind": "fs_snapshot", "name": name, "entries": entries}
    return _finish(decision, t0, failure)


def _put_back(st: HostFsState, key: str, content: bytes | None) -> None:
    """Make `key` hold `content`, or be absent when None — unless it existed before the run:
    such a file is never deleted."""
    bn, rel = st.beneath, st.rel(key)
    try:
        if content is not None:
            bn.write(rel, content)
            st.written.add(key)
        elif not st.existed.get(key, False) and bn.lexists(rel):
            bn.unlink(rel)
    except Escape:
        raise _outside("restore", key) from None
    except OSError as e:
        raise assertion(
            "host_fs_restore", f"failed to restore host fs path {q(key)}: {e}"
        ) from None


def _restore_files(st: HostFsState, entries: Entries) -> None:
    for key, hexdata in entries.items():
        _put_back(st, key, None if hexdata is None else bytes.fromhex(hexdata))
    for key in sorted(st.touched - entries.keys()):
        # Untouched when the snapshot was taken, so it then held what it held before the run.
        _put_back(st, key, st.originals.get(key))
    st.touched = set(entries)


def missing_snapshot(name: str) -> StepFailed:
    return checker("host_fs_restore_missing_snapshot", f"missing host fs snapshot {q(name)}")


def live_restore(rt: Runtime, name: str) -> Decision:
    st = state(rt)
    entries = st.snapshots.get(name)
    if entries is None:
        raise missing_snapshot(name)
    t0 = time.monotonic_ns()
    failure = None
    try:
        _restore_files(st, entries)
    except StepFailed as e:
        failure = e
    return _finish({"kind": "fs_restore", "name": name}, t0, failure)


def apply(rt: Runtime, decision: Decision) -> int:
    """Log the decision and let its duration pass; raise the failure it records, if any.
    A successful snapshot's entries become the named snapshot (live and replay alike)."""
    rt.decide(decision)
    ms = int(decision.get("duration_ms", 0))
    pass_host_time(rt, ms)
    failure = recorded_failure(decision)
    if failure is not None:
        raise failure
    if decision["kind"] == "fs_snapshot":
        state(rt).snapshots[decision["name"]] = dict(decision["entries"])
    return ms


def snapshot_bytes(rt: Runtime, name: str) -> int:
    return sum(len(h) // 2 for h in state(rt).snapshots[name].values() if h is not None)


class HostFsBackend:
    """The `"host"` entry of `FS_BACKENDS`."""

    def write(self, rt: Runtime, path: str, data: str) -> FsDone:
        check_lexical(path)
        return FsDone(apply(rt, live_write(rt, path, data)), len(data.encode()))

    def read_assert(self, rt: Runtime, path: str, equals: str) -> FsDone:
        check_lexical(path)
        return FsDone(apply(rt, live_read_assert(rt, path, equals)), len(equals.encode()))

    def snapshot(self, rt: Runtime, name: str) -> FsDone:
        return FsDone(apply(rt, live_snapshot(rt, name)), snapshot_bytes(rt, name))

    def restore(self, rt: Runtime, name: str) -> FsDone:
        ms = apply(rt, live_restore(rt, name))
        return FsDone(ms, snapshot_bytes(rt, name))


FS_BACKENDS["host"] = HostFsBackend()
