"""Atomic file writes: a temp file in the target's directory, fsync, then rename.

A reader (or a crash) can only ever see the old file or the complete new one, never a
partial artifact.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path


def temp_path_for(target: Path) -> Path:
    return target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"


def atomic_write_via(target: Path, write: Callable[[Path], None]) -> None:
    """Let `write` fill a temp file next to `target`, then fsync and rename it into place.

    An existing target that is not a regular file (a FIFO, a device, a directory) is refused
    and left untouched: renaming over it would replace what the user pointed at."""
    from workers.regular_file import refuse_special_target

    refuse_special_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(target)
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    atomic_write_via(target, write)


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every filesystem allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
