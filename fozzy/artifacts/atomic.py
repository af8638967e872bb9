"""Atomic file writes: a temp file in the target's directory, then a rename over the target.

A reader, or fozzy killed mid-write, can only ever see the old file or the complete new one,
never a partial artifact. A durable write also fsyncs the file before the rename and the
directory after it, so the new file survives a power loss too. That is for what a rerun
cannot give back: traces (the record of a run and every reproducer), exports and files a
command was asked to write. What fozzy derives and can rebuild (run-dir reports and
manifests, the alias index, reporter files) and corpus entries (which libFuzzer and AFL do not
sync either) are written atomically only: each fsync is a journal commit, ~0.35 ms on this
machine's ext4 and tens of ms on a network disk, and a fuzz run writes nine such files.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path


def temp_path_for(target: Path) -> Path:
    return target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"


def atomic_write_via(target: Path, write: Callable[[Path], None], *, durable: bool = True) -> None:
    """Let `write` fill a temp file next to `target`, then (fsync and) rename it into place.

    An existing target that is not a regular file (a FIFO, a device, a directory) is refused
    and left untouched: renaming over it would replace what the user pointed at."""
    from workers.regular_file import refuse_special_target

    refuse_special_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(target)
    try:
        write(tmp)
        if durable:
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
    if durable:
        _fsync_dir(target.parent)


def atomic_write_bytes(target: Path, data: bytes, *, durable: bool = True) -> None:
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    atomic_write_via(target, write, durable=durable)


def atomic_write_text(target: Path, text: str, *, durable: bool = True) -> None:
    atomic_write_bytes(target, text.encode("utf-8"), durable=durable)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every filesystem allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
