"""Filesystem steps: `fs_write`, `fs_read_assert`, `fs_snapshot`, `fs_restore`.

Each step picks its backend in one place (`_backend`) from `rt.backends["fs"]`, lets it do
the work, then emits the `capability_fs` event every backend shares. The virtual backend
(default) is an in-memory map of opaque path keys in `rt.vfs`: nothing touches disk and
nothing is logged as a decision, because replay re-derives it from the steps. A backend
that touches the host must record its outcomes as decisions; it registers itself in
`FS_BACKENDS` under its name (`"host"`, `"replay"`). Until then, selecting it fails the
step with checker `backend_unavailable` rather than silently running virtually.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from workers.engine.findings import assertion, checker
from workers.engine.quote import opt as opt_q
from workers.engine.quote import q
from workers.engine.runtime import Runtime
from workers.steps.registry import Role, Step, T, req, step


@dataclass(frozen=True, slots=True)
class FsDone:
    """What a backend reports for the `capability_fs` event of a successful step."""

    duration_ms: int
    payload_bytes: int


class FsBackend(Protocol):
    """One way of serving the four fs steps. Failures raise `StepFailed`."""

    def write(self, rt: Runtime, path: str, data: str) -> FsDone: ...

    def read_assert(self, rt: Runtime, path: str, equals: str) -> FsDone: ...

    def snapshot(self, rt: Runtime, name: str) -> FsDone: ...

    def restore(self, rt: Runtime, name: str) -> FsDone: ...


def _size(files: dict[str, str]) -> int:
    return sum(len(text.encode()) for text in files.values())


class VirtualFsBackend:
    """`rt.vfs`: paths are exact keys (`a/b` and `./a/b` differ), no directories, and
    snapshots are whole-map copies. Snapshot and restore report the bytes they copied."""

    def write(self, rt: Runtime, path: str, data: str) -> FsDone:
        rt.vfs.files[path] = data
        return FsDone(0, len(data.encode()))

    def read_assert(self, rt: Runtime, path: str, equals: str) -> FsDone:
        actual = rt.vfs.files.get(path)
        if actual != equals:
            raise assertion(
                "fs_read_assert", f"expected {q(path)} == {q(equals)}, got {opt_q(actual)}"
            )
        return FsDone(0, len(equals.encode()))

    def snapshot(self, rt: Runtime, name: str) -> FsDone:
        copy = dict(rt.vfs.files)
        rt.vfs.snapshots[name] = copy
        return FsDone(0, _size(copy))

    def restore(self, rt: Runtime, name: str) -> FsDone:
        saved = rt.vfs.snapshots.get(name)
        if saved is None:
            raise checker("fs_restore_missing_snapshot", f"missing fs snapshot {q(name)}")
        rt.vfs.files = dict(saved)
        return FsDone(0, _size(saved))


FS_BACKENDS: dict[str, FsBackend] = {"virtual": VirtualFsBackend()}


def _backend(rt: Runtime) -> FsBackend:
    name = rt.backends["fs"]
    backend = FS_BACKENDS.get(name)
    if backend is None:
        raise checker("backend_unavailable", f"fs backend {q(name)} is not available")
    return backend


def _emit(rt: Runtime, op: str, key: str, value: str, done: FsDone) -> None:
    fields = {
        "backend": rt.backends["fs"],
        "duration_ms": done.duration_ms,
        key: value,
        "op": op,
        "payload_bytes": done.payload_bytes,
    }
    rt.emit("capability_fs", dict(sorted(fields.items())))


@step(
    "fs_write",
    req("path", T.STR),
    req("data", T.STR, Role.INPUT),
    example={"type": "fs_write", "path": "out/a.txt", "data": "hello"},
    notes="virtual backend: paths are opaque keys, no normalisation",
)
def fs_write(rt: Runtime, s: Step) -> None:
    _emit(rt, "write", "path", s["path"], _backend(rt).write(rt, s["path"], s["data"]))


@step(
    "fs_read_assert",
    req("path", T.STR),
    req("equals", T.STR, Role.ORACLE),
    example={"type": "fs_read_assert", "path": "out/a.txt", "equals": "hello"},
)
def fs_read_assert(rt: Runtime, s: Step) -> None:
    done = _backend(rt).read_assert(rt, s["path"], s["equals"])
    _emit(rt, "read_assert", "path", s["path"], done)


@step(
    "fs_snapshot",
    req("name", T.STR),
    example={"type": "fs_snapshot", "name": "before"},
    notes="replaces any snapshot with the same name",
)
def fs_snapshot(rt: Runtime, s: Step) -> None:
    _emit(rt, "snapshot", "name", s["name"], _backend(rt).snapshot(rt, s["name"]))


@step(
    "fs_restore",
    req("name", T.STR),
    example={"type": "fs_restore", "name": "before"},
    notes="files written after the snapshot disappear; the snapshot is kept",
)
def fs_restore(rt: Runtime, s: Step) -> None:
    _emit(rt, "restore", "name", s["name"], _backend(rt).restore(rt, s["name"]))
