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

#: Longest entry path component (bytes) and whole entry path: common filesystem maxima.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4096
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

    try:
        atomic_write_via(out, write)
    except OSError as e:
        raise ArchiveError(f"cannot write {out}: {_reason(e)}") from None
    return out


def _check_parent_chain(root: Path, rel: PurePosixPath) -> Path:
    target = root
    for part in rel.parts:
        target = target / part
        if target.is_symlink():
            raise ArchiveError(f"refusing to write through a symlink: {target}")
    return target


def import_zip(archive: Path, out: Path, max_total_bytes: int | None = None) -> list[Path]:
    """Validate every entry, extract into a staging directory next to `out`, then move the
    files into place; returns the files written. Nothing lands in `out` unless all of it does.
    """
    from workers.input_limits import limits

    budget = limits().corpus_bytes if max_total_bytes is None else max_total_bytes
    if budget < 1:
        raise ArchiveError(f"--max-bytes must be a positive integer, got {budget}")
    with _open_archive(archive, budget) as zf:
        if out.is_symlink():
            raise ArchiveError(f"refusing to extract into a symlink: {out}")
        plan = _plan(zf, out, budget)
        # Decompress everything (bounded) before the first write, so a lying entry cannot leave
        # a half-imported corpus behind.
        contents: list[bytes] = []
        for info, _ in plan:
            contents.append(_read_capped(zf, info, budget))
            budget -= len(contents[-1])
    return _install(out, [(t, d) for (_, t), d in zip(plan, contents, strict=True)])


def _open_archive(archive: Path, limit: int) -> zipfile.ZipFile:
    """The zip, read only when it is a regular file no larger than the import limit (the
    whole archive is held in memory, as its decompressed entries are before writing)."""
    import io

    from workers.regular_file import read_regular

    try:
        return zipfile.ZipFile(io.BytesIO(read_regular(archive, limit, "corpus_bytes")))
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as e:
        raise ArchiveError(f"cannot read zip {archive}: {_reason(e)}") from None


def _reason(e: Exception) -> str:
    return (e.strerror if isinstance(e, OSError) else None) or str(e)


def _plan(zf: zipfile.ZipFile, out: Path, budget: int) -> list[tuple[zipfile.ZipInfo, Path]]:
    """Every file entry and its target, after every check that needs no decompression."""
    from workers.input_limits import LimitExceeded, limits

    lim = limits()
    infos = zf.infolist()
    if len(infos) > lim.corpus_entries:
        err = LimitExceeded(f"archive has {len(infos)} entries, which", lim.corpus_entries,
                            "corpus_entries")
        raise ArchiveError(str(err))
    seen: set[str] = set()
    dirs: set[str] = set()
    plan: list[tuple[zipfile.ZipInfo, Path]] = []
    declared = 0
    for info in infos:
        rel = safe_entry_path(info.filename)
        _check_shape(rel, info.filename, lim.corpus_depth)
        key = "/".join(rel.parts).lower()
        if key in seen:
            raise ArchiveError(f"duplicate archive entry rejected: {info.filename!r}")
        seen.add(key)
        parents = ["/".join(rel.parts[:i]).lower() for i in range(1, len(rel.parts))]
        dirs.update(parents)
        if info.is_dir():
            dirs.add(key)
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveError(f"symlink archive entry rejected: {info.filename!r}")
        declared += info.file_size
        if declared > budget:
            raise ArchiveError(f"archive expands beyond {budget} bytes; refused")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise ArchiveError(f"suspicious compression ratio in {info.filename!r}; refused")
        target = _check_parent_chain(out, rel)
        if target.exists() or target.is_symlink():
            raise ArchiveError(f"refusing to overwrite existing output file: {target}")
        plan.append((info, target))
    files = {"/".join(PurePosixPath(os.path.relpath(t, out)).parts).lower() for _, t in plan}
    clash = sorted(files & dirs)
    if clash:
        raise ArchiveError(f"archive entry {clash[0]!r} is both a file and a directory; refused")
    return plan


def _check_shape(rel: PurePosixPath, name: str, max_depth: int) -> None:
    """Depth and length bounds: deeper or longer paths fail at write time on most systems."""
    from workers.input_limits import LimitExceeded

    if len(rel.parts) > max_depth:
        err = LimitExceeded(f"depth of archive entry {name[:200]!r}", max_depth, "corpus_depth")
        raise ArchiveError(str(err))
    if any(len(p.encode()) > MAX_NAME_BYTES for p in rel.parts) or len(name) > MAX_PATH_BYTES:
        raise ArchiveError(f"archive entry path too long: {name[:200]!r}...")


def _install(out: Path, files: list[tuple[Path, bytes]]) -> list[Path]:
    """Write into a staging directory beside `out`, then rename: a new `out` appears whole;
    into an existing one each file is moved and, on any failure, the moved ones are removed."""
    import shutil
    import tempfile

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.import-", dir=out.parent))
    except OSError as e:
        raise ArchiveError(f"cannot stage import next to {out}: {_reason(e)}") from None
    moved: list[Path] = []
    try:
        for target, data in files:
            staged = stage / os.path.relpath(target, out)
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(data)
        if not out.exists():
            os.rename(stage, out)
            return [t for t, _ in files]
        for target, _ in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            _check_parent_chain(out, PurePosixPath(os.path.relpath(target, out)))
            os.link(stage / os.path.relpath(target, out), target)
            moved.append(target)
        return moved
    except OSError as e:
        for target in moved:
            target.unlink(missing_ok=True)
        raise ArchiveError(f"cannot import into {out}: {_reason(e)}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


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
