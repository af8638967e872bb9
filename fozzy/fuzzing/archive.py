"""Corpus zip export and hardened import.

Import validates the whole archive before writing anything: every entry name must be a plain
relative path (no `..`, no absolute or drive paths, no backslashes, no control or reserved
characters, no Windows device names), names must be unique case-insensitively, symlink
entries are refused, and sizes are bounded both as declared and as actually decompressed (a
zip bomb is stopped while streaming, whatever its header claims). Nothing is overwritten.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from fozzy.errors import FozzyError

DEFAULT_MAX_TOTAL_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_ENTRIES = 100_000
MAX_RATIO = 1000  # uncompressed/compressed beyond this is treated as a bomb
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])$", re.IGNORECASE)
_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f:*?"<>|]')


class ArchiveError(FozzyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "zip error")


def safe_entry_path(name: str) -> PurePosixPath:
    """The relative path an entry may be written to, or ArchiveError."""
    bad = ArchiveError(f"unsafe archive entry path rejected: {name!r}")
    if not name or name.startswith(("/", "//")) or "\\" in name or "\x00" in name:
        raise bad
    if re.match(r"^[A-Za-z]:", name):
        raise bad
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts:
        raise bad
    for part in parts:
        if part == ".." or part.endswith((".", " ")) or _BAD_CHARS.search(part):
            raise bad
        if _RESERVED.match(part.split(".", 1)[0]):
            raise bad
    return PurePosixPath(*parts)


def export_dir(directory: Path, out: Path) -> Path:
    """Zip every regular file below `directory` (symlinks skipped) to `out`, atomically."""
    from fozzy.artifacts.atomic import atomic_write_via

    files = sorted(
        p for p in directory.rglob("*") if p.is_file() and not p.is_symlink()
    )
    if not files:
        raise ArchiveError(f"nothing to export: {directory} contains no regular files")
    if out.is_symlink():
        raise ArchiveError(f"refusing to write through a symlink: {out}")

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                info = zipfile.ZipInfo(f.relative_to(directory).as_posix(), _FIXED_TIME)
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, f.read_bytes())

    atomic_write_via(out, write)
    return out


def _check_parent_chain(root: Path, rel: PurePosixPath) -> Path:
    target = root
    for part in rel.parts:
        target = target / part
        if target.is_symlink():
            raise ArchiveError(f"refusing to write through a symlink: {target}")
    return target


def import_zip(
    archive: Path,
    out: Path,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> list[Path]:
    """Validate every entry, then extract; returns the files written."""
    from fozzy.artifacts.atomic import atomic_write_bytes

    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as e:
        raise ArchiveError(f"cannot read zip {archive}: {e}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise ArchiveError(f"archive has {len(infos)} entries (limit {max_entries})")
        if out.is_symlink():
            raise ArchiveError(f"refusing to extract into a symlink: {out}")
        seen: set[str] = set()
        plan: list[tuple[zipfile.ZipInfo, Path]] = []
        declared = 0
        for info in infos:
            rel = safe_entry_path(info.filename)
            key = "/".join(rel.parts).lower()
            if key in seen:
                raise ArchiveError(f"duplicate archive entry rejected: {info.filename!r}")
            seen.add(key)
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ArchiveError(f"symlink archive entry rejected: {info.filename!r}")
            declared += info.file_size
            if declared > max_total_bytes:
                raise ArchiveError(f"archive expands beyond {max_total_bytes} bytes; refused")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise ArchiveError(f"suspicious compression ratio in {info.filename!r}; refused")
            target = _check_parent_chain(out, rel)
            if target.exists() or target.is_symlink():
                raise ArchiveError(f"refusing to overwrite existing output file: {target}")
            plan.append((info, target))
        # Decompress everything (bounded) before the first write, so a lying entry cannot leave
        # a half-imported corpus behind.
        contents: list[bytes] = []
        budget = max_total_bytes
        for info, _ in plan:
            contents.append(_read_capped(zf, info, budget))
            budget -= len(contents[-1])
        written: list[Path] = []
        for (_, target), data in zip(plan, contents, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            _check_parent_chain(out, PurePosixPath(os.path.relpath(target, out)))
            atomic_write_bytes(target, data)
            written.append(target)
        return written


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """Decompress while counting: the real size, not the declared one, is what is bounded."""
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(1 << 16)
                if not chunk:
                    break
                total += len(chunk)
                if total > budget or total > info.file_size:
                    raise ArchiveError(
                        f"entry {info.filename!r} decompresses beyond its limit; refused"
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ArchiveError(f"corrupt archive entry {info.filename!r}: {e}") from None
    return b"".join(chunks)
