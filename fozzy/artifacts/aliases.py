"""The alias index `<base>/run-alias-index.json` behind `latest`, `last-pass`, `last-fail`.

Concurrent runs update it under an exclusive `flock` on `<base>/run-alias-index.json.lock`
(released by the kernel if the holder dies, so there is no stale-lock guessing) and replace
it atomically, so no update is lost and no reader sees half a file. An index that cannot be
read is rebuilt by scanning `runs/` rather than silently shrinking to one entry.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from fozzy.artifacts.rundir import MANIFEST, REPORT, RUNS, normalize, write_json
from fozzy.artifacts.summary import parse_rfc3339
from fozzy.errors import IoError
from fozzy.schema_ids import RUN_ALIAS_INDEX

INDEX = "run-alias-index.json"
SCHEMA = RUN_ALIAS_INDEX
LOCK_WAIT_SECONDS = 30.0

Entry = dict[str, Any]


@contextlib.contextmanager
def index_lock(base: Path) -> Iterator[None]:
    base.mkdir(parents=True, exist_ok=True)
    lock_path = base / f".{INDEX}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IoError(
                        f"timed out waiting for the alias index lock {lock_path}"
                    ) from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _sort_key(e: Entry) -> tuple[float, str]:
    try:
        instant = parse_rfc3339(str(e["finishedAt"])).timestamp()
    except ValueError:
        instant = float("-inf")
    return (instant, str(e["runId"]))


def sort_entries(entries: list[Entry]) -> list[Entry]:
    """Newest first (parsed instants), then runId descending, then artifactsDir ascending."""
    by_dir = sorted(entries, key=lambda e: str(e["artifactsDir"]))
    return sorted(by_dir, key=_sort_key, reverse=True)


def _valid_entry(e: Any) -> bool:
    return isinstance(e, dict) and all(
        isinstance(e.get(k), str) for k in ("runId", "status", "finishedAt", "artifactsDir")
    )


def _load(path: Path) -> list[Entry] | None:
    """The stored entries, or None when the file is missing or not a valid index."""
    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("schemaVersion") != SCHEMA:
        return None
    entries = doc.get("entries")
    if not isinstance(entries, list) or not all(_valid_entry(e) for e in entries):
        return None
    return entries


def _entry_from_dir(run: Path) -> Entry | None:
    for name in (REPORT, MANIFEST):
        try:
            doc = orjson.loads((run / name).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if not isinstance(doc, dict):
            continue
        ident = doc.get("identity") if name == REPORT else doc
        if not isinstance(ident, dict):
            continue
        entry = {
            "runId": ident.get("runId"),
            "status": doc.get("status"),
            "finishedAt": doc.get("finishedAt"),
            "artifactsDir": str(run),
        }
        if _valid_entry(entry) and entry["runId"] == run.name:
            return entry
    return None


def scan_runs(base: Path) -> list[Entry]:
    """Entries for every run directory under `<base>/runs` that has a readable summary."""
    runs = base / RUNS
    try:
        dirs = [p for p in runs.iterdir() if p.is_dir()]
    except OSError:
        return []
    return sort_entries([e for e in (_entry_from_dir(d) for d in dirs) if e is not None])


def _write(base: Path, entries: list[Entry]) -> None:
    write_json(base / INDEX, {"schemaVersion": SCHEMA, "entries": entries}, pretty=True)


def read_index(base_dir: str | os.PathLike[str]) -> list[Entry]:
    """The index entries, newest first; rebuilt from `runs/` (and rewritten) when unreadable."""
    base = normalize(base_dir)
    entries = _load(base / INDEX)
    if entries is not None:
        return entries
    if not (base / RUNS).is_dir():
        return []
    with index_lock(base):
        entries = _load(base / INDEX)
        if entries is None:
            entries = scan_runs(base)
            _write(base, entries)
    return entries


def record_run(base_dir: str | os.PathLike[str], entry: Entry) -> None:
    """Add or replace one run's entry; entries whose directory is gone are dropped."""
    base = normalize(base_dir)
    with index_lock(base):
        entries = _load(base / INDEX)
        if entries is None:
            entries = scan_runs(base)
        present = _present(base)
        kept = [e for e in entries if e["runId"] != entry["runId"] and present(e["artifactsDir"])]
        _write(base, sort_entries([*kept, entry]))


def _present(base: Path) -> Callable[[str], bool]:
    """Whether a run directory still exists: `<base>/runs` is listed once, and only entries
    elsewhere are looked up one by one (a lookup per entry made every run's bookkeeping grow
    with the project's history, ~15 us a run)."""
    runs = str(base / RUNS)
    try:
        with os.scandir(runs) as listing:
            listed = {d.path for d in listing if d.is_dir()}
    except OSError:
        listed = set()

    def present(path: str) -> bool:
        return path in listed or (os.path.dirname(path) != runs and os.path.isdir(path))

    return present
