"""`RUN_OR_TRACE` selectors (§5.4): a trace path, a run directory, an alias or a run id.

Resolution order: an existing `*.fozzy` file is a direct trace; otherwise a run directory is
found from an existing directory path, an alias (`latest`, `last-pass`, `last-fail`, via the
alias index, rebuilt from `runs/` when unreadable) or a run id under `<base>/runs`. Every
path is normalized to an absolute path first, so `x.fozzy`, `./x.fozzy` and `/abs/x.fozzy`
select the same thing, and a run id, an alias and the run's directory give the same result.

A run directory is trusted only when every file its manifest lists still has the recorded
size and BLAKE3 digest (listing.verify_records); aliases skip runs that fail that check.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from fozzy.artifacts import aliases
from fozzy.artifacts.listing import (
    ArtifactError,
    ArtifactFile,
    listing_order,
    live_file,
    verify_records,
)
from fozzy.artifacts.rundir import EVENTS, MANIFEST, REPORT, RUNS, normalize
from fozzy.artifacts.summary import MANIFEST_SCHEMA

ALIASES = ("latest", "last-pass", "last-fail")


@dataclass
class Selection:
    """What a selector resolved to: the summary to show and the verified files behind it."""

    selector: str
    label: str  # the selector as reports show it (trace paths absolute)
    summary: dict[str, Any]
    files: list[ArtifactFile]  # verified; listing order (trace first, manifest included)
    run_dir: Path | None = None
    trace_path: Path | None = None
    _trace: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def run_id(self) -> str:
        return str(self.summary["identity"]["runId"])

    def file(self, name: str) -> ArtifactFile | None:
        return next((f for f in self.files if f.name == name and f.kind != "trace"), None)

    def trace(self) -> dict[str, Any] | None:
        """The trace document (read once, checksum checked), or None when there is none."""
        if self._trace is None and self.trace_path is not None:
            from fozzy.trace.reader import read_trace

            _, self._trace = read_trace(self.trace_path)
        return self._trace

    def events(self) -> list[dict[str, Any]] | None:
        """The run's event stream: from the trace, else `events.json`, else None."""
        doc = self.trace()
        if doc is not None:
            events: list[dict[str, Any]] = doc["events"]
            return events
        stored = self.file(EVENTS)
        if stored is None:
            return None
        loaded = read_json(stored.path)
        return loaded if isinstance(loaded, list) else None


def read_json(path: Path) -> Any:
    from workers.input_limits import limits
    from workers.regular_file import read_regular

    try:
        return orjson.loads(read_regular(path, limits().json_bytes, "json_bytes"))
    except OSError as e:
        raise ArtifactError(f"cannot read {path}: {e.strerror or e}") from None
    except orjson.JSONDecodeError as e:
        raise ArtifactError(f"{path} is not valid JSON: {e}") from None


def _object(path: Path) -> dict[str, Any]:
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise ArtifactError(f"{path} is not a JSON object")
    return doc


def load_run_dir(directory: Path, selector: str) -> Selection:
    """A run directory whose manifest and every listed file verify."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        if (directory / REPORT).is_file():
            raise ArtifactError(
                f'incomplete artifacts for "{selector}"; missing required files: {MANIFEST}'
            )
        raise ArtifactError(
            f'no report found for "{selector}" (looked for {directory / REPORT}'
            f" and {manifest_path})"
        )
    manifest = _object(manifest_path)
    if manifest.get("schemaVersion") != MANIFEST_SCHEMA:
        raise ArtifactError(
            f"{manifest_path} has schemaVersion {manifest.get('schemaVersion')!r},"
            f" expected {MANIFEST_SCHEMA!r}"
        )
    recorded_dir = manifest.get("artifactsDir")
    files = verify_records(
        manifest.get("files"), directory, recorded_dir if isinstance(recorded_dir, str) else None
    )
    report = next((f for f in files if f.name == REPORT and f.kind == "report"), None)
    if report is None:
        raise ArtifactError(f"manifest {manifest_path} lists no {REPORT}")
    summary = _object(report.path)
    ident = summary.get("identity")
    if not isinstance(ident, dict) or ident.get("runId") != manifest.get("runId"):
        raise ArtifactError(f"{report.path} and {manifest_path} describe different runs")
    traces = [f for f in files if f.kind == "trace"]
    files.append(live_file(manifest_path))
    return Selection(
        selector=selector,
        label=selector,
        summary=summary,
        files=listing_order(files),
        run_dir=directory,
        trace_path=traces[0].path if traces else None,
    )


def _direct_trace(path: Path, selector: str) -> Selection:
    """A trace file; with its run directory's files when that directory verifies and was
    written by the run that wrote this very trace."""
    from fozzy.trace.reader import read_trace

    _, doc = read_trace(path)
    summary = doc["summary"]
    ident = summary.get("identity") or {}
    declared = ident.get("artifactsDir")
    if isinstance(declared, str) and Path(declared).is_dir():
        run = load_run_dir(normalize(declared), selector)
        same_run = run.run_id == ident.get("runId")
        if same_run and run.trace_path is not None and _same_file(run.trace_path, path):
            run.label = str(path)
            run._trace = doc
            return run
    return Selection(
        selector=selector, label=str(path), summary=summary, files=[live_file(path)],
        trace_path=path, _trace=doc,
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _alias_matches(alias: str, status: str) -> bool:
    if alias == "latest":
        return True
    if alias == "last-pass":
        return status == "pass"
    return status != "pass"


def _resolve_alias(
    alias: str, base: Path, accept: Callable[[Selection], bool] | None, selector: str
) -> Selection:
    runs = base / RUNS
    if not runs.is_dir():
        raise ArtifactError(
            f'run alias "{alias}" cannot be resolved: runs directory not found ({runs})'
        )
    entries = aliases.read_index(base)
    if not entries:
        raise ArtifactError(
            f'run alias "{alias}" cannot be resolved: no completed runs found in {runs}'
        )
    for entry in entries:
        if not _alias_matches(alias, entry["status"]):
            continue
        try:
            sel = load_run_dir(normalize(entry["artifactsDir"]), selector)
        except ArtifactError:
            continue
        if sel.summary.get("status") != entry["status"]:
            continue
        if accept is None or accept(sel):
            return sel
    raise ArtifactError(
        f'run alias "{alias}" cannot be resolved: no matching intact run found in {runs}'
    )


def resolve(
    selector: str,
    base_dir: str | os.PathLike[str],
    *,
    accept: Callable[[Selection], bool] | None = None,
) -> Selection:
    """Resolve `selector`; `accept` narrows what an alias may pick (e.g. runs with memory)."""
    raw = selector.strip()
    if not raw:
        raise ArtifactError("empty run or trace selector")
    path = normalize(raw)
    if raw.lower().endswith(".fozzy"):
        if path.exists() and not path.is_dir():
            # Any non-directory: the trace reader refuses FIFOs and devices with the reason.
            return _direct_trace(path, raw)
        if not path.exists():
            raise ArtifactError(f"trace path not found: {path}")
    if path.is_dir():
        return load_run_dir(path, raw)
    base = normalize(base_dir)
    if raw.lower() in ALIASES:
        return _resolve_alias(raw.lower(), base, accept, raw)
    runs = base / RUNS
    if os.sep in raw or raw in (".", "..") or (os.altsep and os.altsep in raw):
        raise ArtifactError(f'no run or trace found for "{raw}": {path} does not exist')
    candidate = runs / raw
    if not candidate.is_dir():
        raise ArtifactError(
            f'no run or trace found for "{raw}": not a trace file, a directory, an alias'
            f" ({', '.join(ALIASES)}) or a run id in {runs}"
        )
    return load_run_dir(candidate, raw)
