"""Replay backends: host steps answered from the recorded decision log, with no live effect.

Each backend runs the same lifecycle as its host counterpart (`host_proc.serve`,
`host_http.serve`, the fs confinement and snapshot bookkeeping) but obtains its decision with
`rt.replay.take(...)` instead of touching the host. The recorded request must be the one the
step makes now (command and args, method and URL, path and bytes, snapshot name); otherwise
the step fails with checker `replay_drift`. Recorded timeouts, limit hits and IO failures are
re-raised by the shared `apply`, so the replayed run ends exactly as the recorded one did.
"""

from __future__ import annotations

from typing import Any

from workers.capabilities import host_fs, host_http, host_proc, location
from workers.engine.findings import StepFailed, checker
from workers.engine.runtime import Decision, Runtime
from workers.steps.fs import FS_BACKENDS, FsDone
from workers.steps.http import HTTP_BACKENDS, HttpRequest, HttpResponse
from workers.steps.proc import SPAWN_BACKENDS, ProcResult
from workers.steps.registry import Step


def _describe(d: dict[str, Any]) -> str:
    from workers.engine.replay import describe

    return describe(d)


def _drift(rt: Runtime, recorded: Decision, wanted: dict[str, Any]) -> StepFailed:
    asked = ", ".join(f"{k}={v!r}" for k, v in wanted.items())
    return checker(
        "replay_drift",
        f"replay drift at step {rt.step_index + 1}: recorded {_describe(recorded)},"
        f" replay requested {asked}",
        location(rt),
    )


def take(rt: Runtime, wanted: dict[str, Any], *kinds: str) -> Decision:
    """The next recorded decision of one of `kinds`, which must be about `wanted`."""
    if rt.replay is None:
        raise checker(
            "replay_drift",
            f"replay has no recorded outcome for step {rt.step_index + 1}: host steps inside"
            " a rolled-back block (assert_throws/assert_rejects) are not recorded",
            location(rt),
        )
    recorded = rt.replay.take(*kinds)
    if any(recorded.get(k) != v for k, v in wanted.items()):
        raise _drift(rt, recorded, wanted)
    return recorded


# -- proc ------------------------------------------------------------------------------------


def _recorded_spawn(rt: Runtime, s: Step) -> Decision:
    wanted = {"cmd": s["cmd"], "args": list(s["args"])}
    return take(rt, wanted, "proc_spawn", host_proc.TIMEOUT_KIND)


def replay_spawn(rt: Runtime, s: Step) -> ProcResult:
    return host_proc.serve(rt, s, _recorded_spawn, "recorded_decision")


# -- http ------------------------------------------------------------------------------------


def _recorded_request(rt: Runtime, method: str, request: HttpRequest) -> Decision:
    wanted = {"method": method, "path": request.path}
    return take(rt, wanted, "http_request", "http_request_timeout")


def replay_send(rt: Runtime, s: Step, request: HttpRequest) -> HttpResponse:
    return host_http.serve(rt, request, _recorded_request, "recorded_decision")


# -- fs --------------------------------------------------------------------------------------


class ReplayFsBackend:
    """The `"replay"` entry of `FS_BACKENDS`: confinement text checks and snapshot names are
    re-derived; everything the disk said comes from the log."""

    def write(self, rt: Runtime, path: str, data: str) -> FsDone:
        host_fs.check_lexical(path)
        d = take(rt, {"path": path, "data_hex": data.encode().hex()}, "fs_write")
        return FsDone(host_fs.apply(rt, d), len(data.encode()))

    def read_assert(self, rt: Runtime, path: str, equals: str) -> FsDone:
        host_fs.check_lexical(path)
        d = take(rt, {"path": path, "data_hex": equals.encode().hex()}, "fs_read_assert")
        return FsDone(host_fs.apply(rt, d), len(equals.encode()))

    def snapshot(self, rt: Runtime, name: str) -> FsDone:
        d = take(rt, {"name": name}, "fs_snapshot")
        return FsDone(host_fs.apply(rt, d), host_fs.snapshot_bytes(rt, name))

    def restore(self, rt: Runtime, name: str) -> FsDone:
        if name not in host_fs.state(rt).snapshots:
            raise host_fs.missing_snapshot(name)
        d = take(rt, {"name": name}, "fs_restore")
        return FsDone(host_fs.apply(rt, d), host_fs.snapshot_bytes(rt, name))


SPAWN_BACKENDS["replay"] = replay_spawn
HTTP_BACKENDS["replay"] = replay_send
FS_BACKENDS["replay"] = ReplayFsBackend()
