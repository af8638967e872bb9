"""Oracles for real systems under test: what counts as a failure even where a scenario
asserts nothing. Fuzzing a real service or program turns them on (RunSpec
`service_oracle`), and so does the replay of a trace a fuzz campaign recorded, so that a
crash found by fuzzing replays as the same failure."""

from __future__ import annotations

from typing import Any

from workers.engine.findings import TARGET_BEHAVIOR, finding


def target_misbehaviour(decisions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A 5xx answer from a host HTTP service, or a host process killed by a signal."""
    for d in decisions:
        if d["kind"] == "http_request" and int(d.get("status_code") or 0) >= 500:
            return finding(TARGET_BEHAVIOR, "http_5xx",
                           f"{d['method']} {d['path']} answered {d['status_code']}")
        if d["kind"] == "proc_spawn" and d.get("exit_code") == -1 and "failure" not in d:
            return finding(TARGET_BEHAVIOR, "proc_killed_by_signal",
                           f"host process {d['cmd']} {d.get('args', [])} was killed by a"
                           " signal")
    return None
