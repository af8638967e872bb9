"""Run directories: `<base>/runs/<runId>/`, their file names, and when heavy files appear.

Every path here is absolute and lexically normalized (DECISIONS "all paths absolute"), so a
path embedded in one artifact compares equal to the path another artifact or command uses.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from fozzy.artifacts.atomic import atomic_write_bytes

RUNS = "runs"
REPORT = "report.json"
MANIFEST = "manifest.json"
TRACE = "trace.fozzy"
EVENTS = "events.json"
TIMELINE = "timeline.json"
MEASUREMENTS = "measurements.json"
MEMORY_TIMELINE = "memory.timeline.json"
MEMORY_LEAKS = "memory.leaks.json"
MEMORY_GRAPH = "memory.graph.json"
JUNIT = "junit.xml"
HTML = "report.html"
REPORTER_FILES = {"junit": JUNIT, "html": HTML}


def normalize(path: str | os.PathLike[str]) -> Path:
    """Absolute and `.`/`..`-free without touching the filesystem (no symlink resolution)."""
    return Path(os.path.normpath(os.path.join(os.getcwd(), os.fspath(path))))


def new_run_id() -> str:
    return str(uuid.uuid4())


def full_artifacts_env() -> bool:
    return os.environ.get("FOZZY_ARTIFACTS_FULL", "").strip().lower() in ("1", "true")


def heavy_wanted(status: str, explicit_capture: bool) -> bool:
    """The heavy-artifact rule: anything but a pass, an explicit capture, or the env switch."""
    return status != "pass" or explicit_capture or full_artifacts_env()


class RunDir(NamedTuple):
    base: Path
    run_id: str

    @property
    def path(self) -> Path:
        return self.base / RUNS / self.run_id

    @property
    def report(self) -> Path:
        return self.path / REPORT

    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

    def file(self, name: str) -> Path:
        return self.path / name


def run_dir(base_dir: str | os.PathLike[str], run_id: str) -> RunDir:
    return RunDir(normalize(base_dir), run_id)


def compact_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def pretty_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"


def write_json(path: Path, value: Any, *, pretty: bool = False, durable: bool = False) -> None:
    """Not synced by default: run-dir metadata and the alias index are derived (see atomic)."""
    atomic_write_bytes(path, pretty_json(value) if pretty else compact_json(value),
                       durable=durable)


def timeline(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`timeline.json`: the events, numbered."""
    return [
        {"index": i, "time_ms": e["time_ms"], "name": e["name"], "fields": e["fields"]}
        for i, e in enumerate(events)
    ]
