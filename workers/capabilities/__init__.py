"""Capability backends for the steps that can touch the outside world: proc, fs and http.

Each family has a scripted/virtual backend (in its step module), a **host** backend (real
processes, files and HTTP, under the hard limits of `workers.limits`) and a **replay** backend
that returns the recorded outcome with no live effect.

The host and replay backends meet in one place per family: the live path turns what it
observed into a decision (`proc_spawn`, `http_request`, `fs_write`, …, including timeouts,
limit hits and IO failures), and `apply_*` turns a decision into the step's result or failure.
Replay takes the recorded decision and feeds it to the same `apply_*`, so a replayed run
fails, times out and moves its virtual clock exactly as the recorded one did.
"""

from __future__ import annotations

from typing import Any

from workers.engine.findings import StepFailed
from workers.engine.runtime import Decision, Runtime
from workers.limits import elapsed_ms

PREVIEW_CHARS = 256


def lossy(data: bytes) -> str:
    """Host bytes as text, the way findings and decisions show them (invalid UTF-8 replaced)."""
    return data.decode("utf-8", errors="replace")


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "...[truncated]"


def pass_host_time(rt: Runtime, duration_ms: int) -> None:
    """A host call's wall duration moves the virtual clock (live and replayed alike)."""
    if duration_ms > 0:
        rt.clock.pass_time(duration_ms)


def duration_of(duration_ns: int) -> int:
    return elapsed_ms(duration_ns)


def location(rt: Runtime, details: dict[str, Any] | None = None) -> dict[str, Any] | None:
    loc: dict[str, Any] = {}
    if rt.scenario_path is not None:
        loc["file"] = rt.scenario_path
    if details is not None:
        loc["details"] = details
    return loc or None


def recorded_failure(decision: Decision) -> StepFailed | None:
    """The failure a decision says the live call ended in (`failure` member), if any."""
    f = decision.get("failure")
    if not isinstance(f, dict):
        return None
    return StepFailed(str(f["kind"]), str(f["title"]), str(f["message"]), f.get("location"))


def failure_member(failure: StepFailed) -> dict[str, Any]:
    """A finding as a decision member, so replay can raise exactly the same one."""
    return dict(failure.finding)
