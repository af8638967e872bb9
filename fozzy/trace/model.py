"""The `.fozzy` trace document: what a run records so that it can be verified and replayed.

Documents are plain ordered dicts because their member order is part of the checksum
(docs/trace-format.md); `build_trace` is the one place that decides that order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FORMAT = "fozzy-trace"
VERSION = 4
MIN_VERSION = 1
MODES = ("run", "test", "fuzz", "explore", "replay")

# Top-level members in the order they are written; `checksum` is always last.
MEMBER_ORDER = (
    "format", "version", "engine", "mode", "scenario_path", "scenario", "backends", "fuzz",
    "explore", "memory", "decisions", "events", "measurements", "summary", "checksum",
)
BACKEND_FAMILIES = ("proc", "fs", "http")
# Decision kinds only a host backend produces (scripted proc_spawn records `proc_spawn` too).
_HOST_ONLY_KINDS = {
    "fs_write": "fs", "fs_read_assert": "fs", "fs_snapshot": "fs", "fs_restore": "fs",
    "http_request": "http", "http_request_timeout": "http", "proc_spawn_timeout": "proc",
}

# Decision kinds that prove a host backend's effects were recorded (§2.5 warnings).
HOST_DECISIONS = {
    "fs": ("fs_write", "fs_read_assert", "fs_snapshot", "fs_restore"),
    "proc": ("proc_spawn", "proc_spawn_timeout"),
    "http": ("http_request", "http_request_timeout"),
}
# Event names whose `fields.backend` says which backend served a family.
HOST_EVENTS = {"capability_fs": "fs", "proc_spawn": "proc", "http_request": "http"}


def engine_info() -> dict[str, Any]:
    from fozzy import __version__

    return {"version": __version__}


def memory_section(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """The trace's `memory` member from a worker's memory report (None when not tracked)."""
    if report is None:
        return None
    out: dict[str, Any] = {"options": report["options"], "summary": report["summary"]}
    if report.get("leaks"):
        out["leaks"] = report["leaks"]
    graph = report.get("graph")
    if graph and (graph.get("nodes") or graph.get("edges")):
        out["graph"] = graph
    return out


def build_trace(
    *,
    mode: str,
    scenario_path: str | None,
    scenario: dict[str, Any] | None,
    decisions: list[dict[str, Any]],
    events: list[dict[str, Any]],
    summary: dict[str, Any],
    memory: dict[str, Any] | None = None,
    fuzz: dict[str, Any] | None = None,
    explore: dict[str, Any] | None = None,
    backends: Mapping[str, str] | None = None,
    measurements: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A trace document without its checksum (the writer seals it).

    `scenario` is the normalized step scenario `{version, name, steps}` exactly as it was sent
    to the worker, so replay runs the same steps; `memory` is a worker memory report;
    `backends` the proc/fs/http backends the run used, which tells replay what to answer
    from the log. `measurements` (wall/CPU/RSS per step, `workers.engine.measure`) sit
    beside the decision log, never in it: nothing that replays or compares runs reads them.
    """
    if mode not in MODES:
        raise ValueError(f"unknown trace mode {mode!r}")
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "engine": engine_info(),
        "mode": mode,
        "scenario_path": scenario_path,
        "scenario": None if scenario is None else embedded_scenario(scenario),
    }
    if backends is not None:
        doc["backends"] = {k: backends[k] for k in BACKEND_FAMILIES if k in backends}
    if fuzz is not None:
        doc["fuzz"] = {"target": fuzz["target"], "input_hex": fuzz["input_hex"]}
    if explore is not None:
        doc["explore"] = explore
    section = memory_section(memory)
    if section is not None:
        doc["memory"] = section
    doc["decisions"] = decisions
    doc["events"] = events
    if measurements is not None:
        doc["measurements"] = measurements
    doc["summary"] = summary
    return doc


def embedded_scenario(scenario: dict[str, Any]) -> dict[str, Any]:
    return {"version": scenario.get("version", 1), "name": scenario["name"],
            "steps": scenario["steps"]}


def trace_kind(doc: dict[str, Any]) -> str:
    """`steps`, `fuzz` or `explore`: what a replay of this trace re-executes."""
    if doc.get("scenario") is None:
        if doc.get("fuzz") is not None:
            return "fuzz"
        if doc.get("explore") is not None:
            return "explore"
    return "steps"


def host_families(events: list[dict[str, Any]]) -> set[str]:
    """The capability families (`fs`, `proc`, `http`) a host backend served in this run."""
    used: set[str] = set()
    for ev in events:
        family = HOST_EVENTS.get(ev.get("name", ""))
        fields = ev.get("fields")
        if family and isinstance(fields, dict) and fields.get("backend") == "host":
            used.add(family)
    return used


def recorded_host_families(doc: dict[str, Any]) -> set[str]:
    """The families a trace's run served from the host: its `backends` member when present,
    else what its events and host-only decisions show (traces written without it)."""
    backends = doc.get("backends")
    if isinstance(backends, dict):
        return {k for k in BACKEND_FAMILIES if backends.get(k) == "host"}
    used = host_families(doc["events"])
    used.update(
        _HOST_ONLY_KINDS[d["kind"]] for d in doc["decisions"] if d.get("kind") in _HOST_ONLY_KINDS
    )
    return used


def host_warnings(decisions: list[dict[str, Any]], events: list[dict[str, Any]]) -> list[str]:
    """Families whose events show the host backend served them while no decision of that
    family was recorded: a replay of such a trace has nothing to feed the steps with."""
    used = host_families(events)
    if not used:
        return []
    kinds = {d.get("kind") for d in decisions}
    return [
        f"trace used host {family} backend but does not include {family} decisions;"
        " replay may drift"
        for family in ("fs", "proc", "http")
        if family in used and not kinds.intersection(HOST_DECISIONS[family])
    ]


def stale_warning(version: int) -> str | None:
    if version < VERSION:
        return f"trace schema v{version} is stale; current schema is v{VERSION}"
    return None


def normalize_path(path: str | os.PathLike[str]) -> Path:
    """Absolute and lexically normalized (no symlink resolution), as every report shows it."""
    return Path(os.path.normpath(os.path.join(os.getcwd(), os.fspath(path))))
