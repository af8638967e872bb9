"""Which code a `fn:` fuzz trace would run, decided without importing anything.

A trace is data handed around between colleagues; its checksum detects corruption, not
tampering. Replaying an `fn:<module>:<callable>` trace imports and calls that module in a
worker, so a resealed trace naming `fn:os:system` would run a shell. Replay-like commands
therefore run a target only when its module resolves to a file under the project (the working
directory the worker imports from), unless the user passes `--trust-target`.

The resolution mirrors the worker's import (`workers/fuzz/pyfn.py`): a `.py`/path spec is a
file relative to the working directory; a dotted name is searched in the working directory
(first on the worker's `sys.path`) one component at a time with `FileFinder`, which only looks
at directory listings. A name the worker would not take from the project — a builtin, stdlib
or already-imported module wins over a same-named project file — is never trusted.
"""

from __future__ import annotations

import os
import sys
from importlib import machinery
from pathlib import Path
from typing import Any, NamedTuple

from fozzy.errors import ArgumentError

TRUST_FLAG = "--trust-target"


class TargetCheck(NamedTuple):
    target: str
    module: str
    target_file: str | None  # the file a replay would import, when it is under the project
    trusted: bool

    def report(self) -> dict[str, Any]:
        return {"target": self.target, "target_file": self.target_file, "trusted": self.trusted}


def _finder(directory: str) -> machinery.FileFinder:
    return machinery.FileFinder(
        directory,
        (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
        (machinery.SourceFileLoader, machinery.SOURCE_SUFFIXES),
        (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
    )


def _under(path: str, root: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real.is_file() and real.is_relative_to(root)


def _taken_elsewhere(top: str) -> bool:
    """The worker would import `top` from somewhere other than the project."""
    return (top in sys.builtin_module_names or top in sys.stdlib_module_names
            or top in sys.modules)


def _dotted_file(module: str, root: Path) -> str | None:
    parts = module.split(".")
    if not all(p.isidentifier() for p in parts) or _taken_elsewhere(parts[0]):
        return None
    directory = str(root)
    origin: str | None = None
    for depth in range(len(parts)):
        spec = _finder(directory).find_spec(".".join(parts[: depth + 1]))
        if spec is None:
            return None
        origin = spec.origin if spec.has_location else None
        locations = list(spec.submodule_search_locations or [])
        if depth + 1 < len(parts):
            if len(locations) != 1 or not Path(os.path.realpath(locations[0])).is_relative_to(root):
                return None
            directory = locations[0]
    return origin


def _module_of(target: str) -> str:
    spec = target[3:].strip() if target.startswith("fn:") else target
    return spec.rpartition(":")[0]


def check_target(target: str, cwd: str | None = None) -> TargetCheck:
    """Where the module of an `fn:` target resolves, and whether that is inside the project."""
    root = Path(os.path.realpath(cwd or os.getcwd()))
    module = _module_of(target)
    if module.endswith(".py") or os.sep in module:
        candidate: str | None = os.path.join(root, module)
    else:
        candidate = _dotted_file(module, root) if module else None
    if candidate is not None and _under(candidate, root):
        return TargetCheck(target, module, os.path.realpath(candidate), True)
    return TargetCheck(target, module, None, False)


def replay_target(doc: dict[str, Any]) -> dict[str, Any] | None:
    """For an `fn:` fuzz trace, which code a replay runs (`target`, `target_file`,
    `trusted`); None for traces that run only their embedded steps."""
    fuzz = doc.get("fuzz")
    if doc.get("scenario") is not None or not isinstance(fuzz, dict):
        return None
    target = fuzz.get("target")
    if not isinstance(target, str) or not target.startswith("fn:"):
        return None
    return check_target(target).report()


def require_trusted(target: str, trust_target: bool) -> None:
    """Refuse (exit 2) to run a trace's `fn:` target whose module is not a project file."""
    if trust_target:
        return
    check = check_target(target)
    if not check.trusted:
        raise ArgumentError(
            f"refusing to run fuzz target {target}: module {check.module or '?'!s} does not"
            f" resolve to a file under {os.getcwd()} (a trace is data; pass {TRUST_FLAG} to"
            " run it anyway)"
        )
