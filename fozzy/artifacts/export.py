"""`artifacts export|pack|bundle`: copy a run's verified files somewhere else.

Every copied file is re-checked against the digest it was verified with, from the very bytes
that get written, so an export never carries a file that changed after resolution. Output is
a zip (when `--out` ends in `.zip`) or a directory:

* zip: flat entries with sanitized, de-duplicated names, deflated, fixed timestamps and modes
  (the same run packs to the same bytes), written to a temp file and renamed into place;
* directory: refuses a non-empty directory unless `--force`, and even then only replaces files
  of the same names: files it did not write are never deleted (DECISIONS "Run directories").
"""

from __future__ import annotations

import os
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blake3
import orjson

from fozzy.artifacts.atomic import atomic_write_bytes, atomic_write_via
from fozzy.artifacts.listing import ArtifactError
from fozzy.artifacts.rundir import normalize
from fozzy.artifacts.selectors import Selection
from fozzy.schema_ids import BUNDLE_REPORT

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_UNDERSCORES = re.compile(r"_+")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_MODE = 0o100644 << 16


@dataclass(frozen=True)
class Entry:
    name: str  # output name (sanitized, unique)
    data: bytes


def sanitize(name: str) -> str:
    """Only `[A-Za-z0-9._-]`, no runs of `_`, no leading/trailing `_`; never empty."""
    clean = _UNDERSCORES.sub("_", _UNSAFE.sub("_", name)).strip("_")
    return clean if clean not in ("", ".", "..") else "artifact"


def unique_names(names: list[str]) -> list[str]:
    """Sanitized names with `.2`, `.3`, … inserted before the extension of repeats."""
    taken: set[str] = set()
    out: list[str] = []
    for raw in names:
        name = sanitize(raw)
        stem, ext = os.path.splitext(name)
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{stem}.{n}{ext}"
        taken.add(candidate)
        out.append(candidate)
    return out


def _verified_bytes(selection: Selection) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for f in selection.files:
        try:
            data = f.path.read_bytes()
        except OSError as e:
            raise ArtifactError(f"cannot read artifact {f.path}: {e.strerror or e}") from None
        if blake3.blake3(data).hexdigest() != f.digest:
            raise ArtifactError(f"artifact {f.path} changed while it was being exported")
        out.append((f.name, data))
    return out


def entries(selection: Selection, generated: dict[str, Any] | None = None) -> list[Entry]:
    """The run's files, then generated JSON documents (name → value), with output names."""
    items = _verified_bytes(selection)
    for name, value in (generated or {}).items():
        items.append((name, orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"))
    names = unique_names([name for name, _ in items])
    return [Entry(n, data) for n, (_, data) in zip(names, items, strict=True)]


def write_output(out: str, items: list[Entry], *, force: bool) -> Path:
    target = normalize(out)
    if target.name.lower().endswith(".zip"):
        _write_zip(target, items, force=force)
    else:
        _write_dir(target, items, force=force)
    return target


def _write_zip(target: Path, items: list[Entry], *, force: bool) -> None:
    if target.is_symlink():
        raise ArtifactError(f"refusing to write through a symlink: {target}")
    if target.exists():
        if not target.is_file():
            raise ArtifactError(f"output {target} exists and is not a file")
        if not force:
            raise ArtifactError(f"output {target} already exists; pass --force to replace it")

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for item in items:
                info = zipfile.ZipInfo(item.name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = _ZIP_MODE
                zf.writestr(info, item.data)

    try:
        atomic_write_via(target, write)
    except OSError as e:
        raise ArtifactError(f"failed to write {target}: {e.strerror or e}") from None


def _write_dir(target: Path, items: list[Entry], *, force: bool) -> None:
    if target.is_symlink():
        raise ArtifactError(f"refusing to export into a symlinked directory: {target}")
    if target.exists() and not target.is_dir():
        raise ArtifactError(f"output {target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ArtifactError(
            f"output directory {target} is not empty; pass --force to write into it"
            " (files with the same names are replaced, nothing else is touched)"
        )
    for item in items:
        dest = target / item.name
        if dest.is_symlink() or (dest.exists() and not dest.is_file()):
            raise ArtifactError(f"refusing to replace {dest}: not a regular file")
    try:
        for item in items:
            atomic_write_bytes(target / item.name, item.data)
    except OSError as e:
        raise ArtifactError(f"failed to export into {target}: {e.strerror or e}") from None


BUNDLE_SCHEMA = BUNDLE_REPORT
_BUNDLED_RUN_FILES = ("report.json", "manifest.json")


def bundle_documents(
    selection: Selection, selector: str, base_dir: str, limits: dict[str, int],
    trust_target: bool = False,
) -> tuple[Selection, dict[str, Any]]:
    """The gate hand-off: the run narrowed to its trace, report and manifest, plus fresh
    verdicts — trace verify, a verification replay and a strict `ci` — computed now.

    The replay writes no run directory (DECISIONS: verification replays never become
    `latest`); a failing ci is reported in the bundle, not turned into a command error.
    """
    import time

    from fozzy.artifacts.summary import build_summary
    from fozzy.modes.ci import CiRequest, execute_ci, replay_trace
    from fozzy.trace.verify import verify_trace

    trace_path = selection.trace_path
    doc = selection.trace()
    if trace_path is None or doc is None:
        raise ArtifactError(f'"{selector}" has no trace to bundle (record one with --record)')
    started_ns = time.time_ns()
    t0 = time.perf_counter_ns()
    replayed = replay_trace(doc, trace_path, limits, trust_target)
    wall_ns = time.perf_counter_ns() - t0
    replay_summary = build_summary(
        status=replayed["status"], mode="replay", run_id=str(uuid.uuid4()),
        seed=int(doc["summary"]["identity"]["seed"]), started_ns=started_ns, wall_ns=wall_ns,
        trace_path=str(trace_path), memory=replayed.get("memory"),
        findings=replayed["findings"],
    )
    ci = execute_ci(CiRequest(selector=str(trace_path), strict=True, base_dir=base_dir,
                              limits=limits, trust_target=trust_target))
    kept = [f for f in selection.files
            if f.kind == "trace" or f.name in _BUNDLED_RUN_FILES]
    narrowed = Selection(
        selector=selection.selector, label=selection.label, summary=selection.summary,
        files=kept, run_dir=selection.run_dir, trace_path=trace_path,
    )
    return narrowed, {
        "trace_verify.report.json": verify_trace(trace_path, strict=False),
        "replay.report.json": replay_summary,
        "ci.report.json": ci,
        "bundle.json": {"schemaVersion": BUNDLE_SCHEMA, "source": selector,
                        "trace": str(trace_path), "ciOk": bool(ci["ok"])},
    }
