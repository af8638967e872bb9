"""Host fs backend: real files, confined to the run's working directory.

Confinement is checked twice: lexically (absolute paths and `..` are refused before anything
is touched) and by resolved real path, so a symlink inside the working directory cannot lead
a write, read, snapshot or restore outside it (DECISIONS: symlink escapes are refused).

Bookkeeping (`HostFsState`, kept in `rt.host["fs"]` so `assert_throws` can roll it back)
remembers which paths the run touched, whether each existed before the run first touched it,
and which it wrote. `fs_restore` follows the reference (rewrite captured files, delete files
captured as absent and touched paths not in the snapshot) with one deliberate deviation: a
file that existed before the run and that the run never wrote is never deleted.

Each step's outcome, failures included, is a decision, produced by `live_*` and applied by
`apply`, which the replay backend shares.
"""

from __future__ import annotations

import os
import time
from pathlib import PurePosixPath
from typing import Any

from workers.capabilities import (
    duration_of,
    failure_member,
    pass_host_time,
    recorded_failure,
)
from workers.engine.findings import StepFailed, assertion, checker
from workers.engine.quote import q
from workers.engine.runtime import Decision, Runtime
from workers.steps.fs import FS_BACKENDS, FsDone

Entries = dict[str, str | None]


class HostFsState:
    """Touched paths, first-touch existence, written paths and named snapshots of one run."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.touched: set[str] = set()
        self.existed: dict[str, bool] = {}
        self.written: set[str] = set()
        self.snapshots: dict[str, Entries] = {}

    def touch(self, path: str) -> None:
        if path not in self.existed:
            self.existed[path] = os.path.lexists(path)
        self.touched.add(path)

    def deletable(self, path: str) -> bool:
        """Not a file the run found on disk and never wrote (DECISIONS: never delete it)."""
        return not self.existed.get(path, False) or path in self.written

    def checkpoint(self) -> Any:
        return (set(self.touched), dict(self.existed), set(self.written), dict(self.snapshots))

    def restore(self, saved: Any) -> None:
        touched, existed, written, snapshots = saved
        self.touched, self.existed = set(touched), dict(existed)
        self.written, self.snapshots = set(written), dict(snapshots)


def state(rt: Runtime) -> HostFsState:
    st = rt.host.get("fs")
    if not isinstance(st, HostFsState):
        st = HostFsState(os.path.realpath(rt.cwd))
        rt.host["fs"] = st
    return st


def check_lexical(path: str) -> None:
    """Refusals that depend on the path text alone (so replay repeats them without a disk)."""
    if path.startswith("/") or os.path.isabs(path):
        raise checker("host_fs_path", f"host fs path must be relative to cwd root: {q(path)}")
    if ".." in PurePosixPath(path).parts:
        raise checker("host_fs_path", f"host fs path escapes cwd root: {q(path)}")


def _inside(root: str, real: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def resolve(st: HostFsState, path: str) -> str:
    """The absolute path under the root; refused when its real path (symlinks followed)
    leaves the root."""
    target = os.path.join(st.root, os.path.normpath(path))
    if not _inside(st.root, os.path.realpath(target)):
        raise checker(
            "host_fs_path", f"host fs path escapes cwd root through a symlink: {q(path)}"
        )
    return target


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
        target = resolve(st, path)
        st.touch(target)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
        except OSError as e:
            raise assertion(
                "host_fs_write", f"failed to create parent dir for {q(path)}: {e}"
            ) from None
        try:
            with open(target, "wb") as f:
                f.write(data.encode())
        except OSError as e:
            raise assertion(
                "host_fs_write", f"failed to write host fs path {q(path)}: {e}"
            ) from None
        st.written.add(target)
    except StepFailed as e:
        failure = e
    return _finish({"kind": "fs_write", "path": path, "data_hex": data.encode().hex()}, t0,
                   failure)


def live_read_assert(rt: Runtime, path: str, equals: str) -> Decision:
    st = state(rt)
    t0 = time.monotonic_ns()
    failure = None
    try:
        target = resolve(st, path)
        st.touch(target)
        try:
            with open(target, "rb") as f:
                actual = f.read().decode()
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


def live_snapshot(rt: Runtime, name: str) -> Decision:
    st = state(rt)
    t0 = time.monotonic_ns()
    entries: Entries = {}
    failure = None
    try:
        for target in sorted(st.touched):
            if not _inside(st.root, os.path.realpath(target)):
                raise assertion(
                    "host_fs_snapshot", f"refusing to read {q(target)}: it now resolves outside"
                    " the cwd root"
                )
            try:
                with open(target, "rb") as f:
                    entries[target] = f.read().hex()
            except FileNotFoundError:
                entries[target] = None
            except OSError as e:
                raise assertion(
                    "host_fs_snapshot", f"failed to snapshot host fs path {q(target)}: {e}"
                ) from None
    except StepFailed as e:
        failure = e
    decision = {"kind": "fs_snapshot", "name": name, "entries": entries}
    return _finish(decision, t0, failure)


def _restore_files(st: HostFsState, entries: Entries) -> None:
    for target, hexdata in entries.items():
        if not _inside(st.root, os.path.realpath(target)):
            raise assertion(
                "host_fs_restore",
                f"refusing to restore {q(target)}: it now resolves outside the cwd root",
            )
        try:
            if hexdata is None:
                if os.path.lexists(target) and st.deletable(target):
                    os.unlink(target)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(bytes.fromhex(hexdata))
                st.written.add(target)
        except OSError as e:
            raise assertion(
                "host_fs_restore", f"failed to restore host fs path {q(target)}: {e}"
            ) from None
    for target in sorted(st.touched - entries.keys()):
        try:
            if os.path.lexists(target) and st.deletable(target):
                os.unlink(target)
        except OSError as e:
            raise assertion(
                "host_fs_restore", f"failed to remove host fs path {q(target)}: {e}"
            ) from None
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
