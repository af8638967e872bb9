"""Which files make up a run and whether they are still the bytes that run wrote.

The integrity model is the simple one (spec Appendix A.25): the manifest lists every file the
finalizer wrote — name, absolute path, size and BLAKE3 digest — and a reader verifies those
records instead of cross-checking each sidecar's content against the summary. Anything a
later process changes, truncates or swaps is caught by one rule, and a run directory that was
copied elsewhere still verifies because in-directory files are located by name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import blake3

from fozzy.artifacts.rundir import MANIFEST, REPORT
from fozzy.errors import FozzyError

# Known run-directory file names, in listing order (§2.14 catalog), and their kinds.
CATALOG: tuple[tuple[str, str], ...] = (
    ("timeline.json", "timeline"),
    ("profile.timeline.json", "profile"),
    ("profile.cpu.json", "profile"),
    ("profile.heap.json", "profile"),
    ("profile.latency.json", "profile"),
    ("profile.metrics.json", "profile"),
    ("profile.source.json", "profile"),
    ("symbols.json", "profile"),
    ("measurements.json", "profile"),
    ("memory.timeline.json", "memory"),
    ("memory.leaks.json", "memory"),
    ("memory.graph.json", "memory"),
    ("memory.delta.json", "memory"),
    (REPORT, "report"),
    ("events.json", "events"),
    ("coverage.json", "coverage"),
    (MANIFEST, "manifest"),
    ("report.html", "report"),
    ("junit.xml", "report"),
)
_ORDER = {name: i for i, (name, _) in enumerate(CATALOG)}
_KINDS = dict(CATALOG)
_CHUNK = 1 << 20


class ArtifactError(FozzyError):
    """A run's artifacts are missing, unreadable or not what the run wrote."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "artifact error")


def kind_of(name: str) -> str:
    if name.lower().endswith(".fozzy"):
        return "trace"
    return _KINDS.get(name, "artifact")


def digest_file(path: Path) -> tuple[int, str]:
    """(size, BLAKE3 hex) of a file, read in chunks so large traces stay cheap in memory."""
    hasher = blake3.blake3()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return size, hasher.hexdigest()


def file_record(path: Path) -> dict[str, Any]:
    """The manifest's record of one written file (what `verify` later checks)."""
    size, digest = digest_file(path)
    return {
        "name": path.name, "path": str(path), "kind": kind_of(path.name),
        "sizeBytes": size, "blake3": digest,
    }


def file_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [file_record(p) for p in paths]


class ArtifactFile(NamedTuple):
    """One verified file of a run (or a lone trace)."""

    name: str
    path: Path
    kind: str
    size: int
    digest: str

    def entry(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": str(self.path), "sizeBytes": self.size}


def _valid_record(rec: Any) -> bool:
    return (
        isinstance(rec, dict)
        and all(isinstance(rec.get(k), str) for k in ("name", "path", "blake3"))
        and isinstance(rec.get("sizeBytes"), int)
        and os.path.basename(rec["name"]) == rec["name"] not in ("", ".", "..")
    )


def _locate(rec: dict[str, Any], run_dir: Path, recorded_dir: str | None) -> Path:
    """Where a recorded file is now: in-directory files by name (so a copied run dir still
    verifies); a file written elsewhere (an external `--record` trace) at its recorded path,
    else a copy of it beside the manifest (an exported directory)."""
    recorded = Path(rec["path"])
    if recorded_dir is not None and os.path.dirname(rec["path"]) == recorded_dir:
        return run_dir / str(rec["name"])
    if recorded.is_file():
        return recorded
    return run_dir / str(rec["name"])


def verify_records(
    records: Any, run_dir: Path, recorded_dir: str | None
) -> list[ArtifactFile]:
    """Every file the manifest lists, checked against its recorded size and digest."""
    if not isinstance(records, list) or not all(_valid_record(r) for r in records):
        raise ArtifactError(
            f"manifest {run_dir / MANIFEST} does not list its files"
            " (written by an older fozzy, or edited)"
        )
    out: list[ArtifactFile] = []
    for rec in records:
        path = _locate(rec, run_dir, recorded_dir)
        try:
            size, digest = digest_file(path)
        except FileNotFoundError:
            raise ArtifactError(f"artifact {path} listed in the manifest is missing") from None
        except OSError as e:
            raise ArtifactError(f"cannot read artifact {path}: {e.strerror or e}") from None
        if size != rec["sizeBytes"] or digest != rec["blake3"]:
            raise ArtifactError(
                f"artifact {path} changed after the run wrote it"
                f" (manifest: {rec['sizeBytes']} bytes, blake3 {rec['blake3'][:12]}…;"
                f" now: {size} bytes, blake3 {digest[:12]}…)"
            )
        out.append(ArtifactFile(rec["name"], path, kind_of(rec["name"]), size, digest))
    return out


def live_file(path: Path) -> ArtifactFile:
    """A file taken as it is now (a lone trace, or the manifest itself)."""
    size, digest = digest_file(path)
    return ArtifactFile(path.name, path, kind_of(path.name), size, digest)


def listing_order(files: list[ArtifactFile]) -> list[ArtifactFile]:
    """Traces first, then the catalog order, then anything else by name."""
    def key(f: ArtifactFile) -> tuple[int, int, str]:
        if f.kind == "trace":
            return (0, 0, f.name)
        return (1, _ORDER.get(f.name, len(_ORDER)), f.name)

    return sorted(files, key=key)
