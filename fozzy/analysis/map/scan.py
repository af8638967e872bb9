"""Walking a repository: which files are sources, reading each one safely, and what was missed.

Every file is hostile: the walk never enters a linked directory (no cycles, no escaping the
tree), reads files only through `read_regular` (a link to a FIFO or /dev/zero is refused on
the open descriptor) with the `[limits] source_bytes` bound, and stops with a clear error past
`[limits] map_files` candidates. Anything that could not be read is kept, with its reason,
in `skipped`, which every map report carries. The walk is a worklist in sorted order, so the
report is the same on every machine and a deep tree cannot exhaust the stack.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fozzy.analysis.map.signals import Signals, line_signals
from fozzy.errors import FozzyError

#: Directory names never entered (case-insensitive): VCS, virtualenvs, caches, build output,
#: vendored dependencies and docs (the reference's list, spec §6.1).
SKIP_DIRS = frozenset((
    ".git", ".hg", ".svn", ".fozzy", ".tmp", ".cache", ".pnpm-store", ".yarn", ".venv", ".tox",
    ".nox", ".turbo", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__", "build",
    "cache", "coverage", "docs", "dist", "examples", "node_modules", "out", "target", "temp",
    "tmp", "venv", "site-packages",
))
#: Directories never entered when looking for scenarios: only VCS, environments and caches
#: (scenarios under `examples/` or `build/` are still scenarios).
SCENARIO_SKIP_DIRS = frozenset((
    ".git", ".hg", ".svn", ".fozzy", ".venv", "venv", ".tox", ".nox", "node_modules",
    "__pycache__", "site-packages",
))
SOURCE_EXTS = frozenset((
    "rs", "go", "js", "jsx", "ts", "tsx", "py", "java", "kt", "c", "cc", "cpp", "h", "hpp", "cs",
    "swift", "rb", "php", "scala", "sql", "sh",
))
LOCKFILES = frozenset((
    "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json", "bun.lockb",
    "bun.lock", "cargo.lock", "go.sum", "gemfile.lock", "pipfile.lock", "poetry.lock",
    "composer.lock",
))


class MapError(FozzyError):
    """A scan that cannot produce a report at all (missing root, limits, wall budget)."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the root, `/`-separated
    signals: Signals


@dataclass
class Scan:
    root: str  # absolute
    files: list[SourceFile] = field(default_factory=list)
    scanned: int = 0
    skipped: list[str] = field(default_factory=list)


def is_candidate(name: str) -> bool:
    lowered = name.lower()
    if lowered in LOCKFILES or lowered.endswith((".lock", ".min.js", ".min.css")):
        return False
    if ".generated." in lowered or ".gen." in lowered:
        return False
    if name == "Dockerfile":
        return True
    _, dot, ext = lowered.rpartition(".")
    return bool(dot) and ext in SOURCE_EXTS


def check_deadline(deadline: float | None, what: str) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise MapError(f"map {what} did not finish within its wall-clock budget")


def walk(root: Path, want: Callable[[str], bool], skip_dirs: frozenset[str],
         skipped: list[str], deadline: float | None = None,
         ) -> Iterator[str]:
    """The relative path of every accepted non-directory below `root`, sorted, entering no
    linked directory; directories that cannot be listed are added to `skipped`."""
    from workers.input_limits import LimitExceeded, limits

    budget = limits().map_files
    seen = 0
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        check_deadline(deadline, "scan")
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as it:
                entries = sorted(it, key=lambda e: e.name, reverse=True)
        except OSError as e:
            skipped.append(f"{rel_dir or '.'}/: failed to list directory: {e.strerror or e}")
            continue
        subdirs: list[str] = []
        for entry in reversed(entries):
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name.lower() not in skip_dirs:
                    subdirs.append(rel)
            elif want(entry.name):
                seen += 1
                if seen > budget:
                    raise MapError(str(LimitExceeded(
                        f"map scan of more than {budget} files", budget, "map_files")))
                yield rel
        stack.extend(reversed(subdirs))


def read_source(path: Path) -> str:
    """The UTF-8 text of a regular source file within `[limits] source_bytes`; raises OSError
    or UnicodeDecodeError with the reason."""
    from workers.input_limits import limits
    from workers.regular_file import read_regular

    return read_regular(path, limits().source_bytes, "source_bytes").decode("utf-8")


def file_signals(rel: str, text: str) -> Signals:
    if rel.lower().endswith(".py"):
        from fozzy.analysis.map.python_signals import python_signals

        return python_signals(text)
    return line_signals(text)


def scan_repository(root: str, deadline: float | None = None) -> Scan:
    """Signals for every candidate source file below `root`, and every file that was missed."""
    base = Path(root)
    if not base.is_dir():
        raise MapError(f"--root {root} is not a directory")
    scan = Scan(root=os.path.abspath(root))
    for rel in walk(base, is_candidate, SKIP_DIRS, scan.skipped, deadline):
        try:
            text = read_source(base / rel)
        except OSError as e:
            scan.skipped.append(f"{rel}: failed to open: {e.strerror or e}")
            continue
        except UnicodeDecodeError as e:
            scan.skipped.append(f"{rel}: failed to decode as UTF-8: {e.reason} at byte {e.start}")
            continue
        scan.scanned += 1
        scan.files.append(SourceFile(rel, file_signals(rel, text)))
    return scan
