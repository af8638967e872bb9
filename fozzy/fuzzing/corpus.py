"""Corpus directories: content-addressed inputs, loaded in sorted order.

```
<corpus>/input-<blake3 hex>.bin        inputs that added coverage (and `corpus add`)
<corpus>/crashes/crash-<hex>.bin       every distinct failing input
<corpus>/crashes/crash-<hex>.min.bin   its minimized form (--minimize)
```
Names derive from content, so writing an input twice is a no-op and two campaigns sharing a
directory never clobber each other.
"""

from __future__ import annotations

import os
from pathlib import Path

from fozzy.errors import FozzyError


def content_name(data: bytes, prefix: str = "input", suffix: str = ".bin") -> str:
    import blake3

    return f"{prefix}-{blake3.blake3(data).hexdigest()}{suffix}"


def list_inputs(directory: Path) -> list[Path]:
    """Regular `*.bin` files directly in the directory, sorted by name (crashes/ excluded)."""
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir()
        if p.suffix == ".bin" and p.is_file() and not p.is_symlink()
    )


def load_inputs(directory: Path) -> list[bytes]:
    return [read_input(p) for p in list_inputs(directory)]


def read_input(path: Path) -> bytes:
    """One corpus input: a regular file of bounded size (`[limits] corpus_file_bytes`)."""
    from workers.input_limits import limits
    from workers.regular_file import read_regular

    return read_regular(path, limits().corpus_file_bytes, "corpus_file_bytes")


def write_input(directory: Path, data: bytes, prefix: str = "input", suffix: str = ".bin") -> Path:
    """Store `data` under its content name (atomically; a no-op when already present)."""
    from fozzy.artifacts.atomic import atomic_write_bytes

    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FozzyError(f"cannot create corpus directory {directory}: {e.strerror or e}") from None
    target = directory / content_name(data, prefix, suffix)
    if not target.exists():
        atomic_write_bytes(target, data, durable=False)
    return target


def add_file(directory: Path, source: Path) -> Path:
    try:
        data = read_input(source)
    except OSError as e:
        raise FozzyError(f"cannot read {source}: {e.strerror or e}") from None
    return write_input(directory, data)


def check_dir(directory: Path) -> None:
    if not directory.exists():
        raise FozzyError(f"corpus directory not found: {directory}")
    if not directory.is_dir():
        raise FozzyError(f"not a directory: {directory}")
    if os.path.islink(directory):
        raise FozzyError(f"refusing to use a symlinked corpus directory: {directory}")
