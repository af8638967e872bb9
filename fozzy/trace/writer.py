"""The one trace writer: collision policy and lock first, then an atomic sealed write.

Writing is two-phase so that a name clash is known before any scenario runs:
`resolve_target(path, policy)` picks the final name and reserves it with `<target>.lock`
(created exclusively, so two processes can never write the same final name); `write_trace`
later seals the document, writes a temp file, fsyncs and renames it over the target, then
drops the lock. A writer killed at any point leaves no partial file at the final path. The
lock records the writer's pid and process start time, so the next writer takes it over at
once when that process is gone (or the pid now belongs to another process).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

from fozzy.artifacts.atomic import atomic_write_bytes
from fozzy.errors import ArgumentError, TraceError
from fozzy.trace.checksum import CanonicalError, seal
from fozzy.trace.model import normalize_path

POLICIES = ("error", "overwrite", "append")
DEFAULT_POLICY = "append"
#: A lock from a fozzy that recorded no start time is taken over after this age.
LOCK_STALE_SECONDS = 300.0
#: A lock with no readable owner may be mid-creation for this long, then it is reclaimed.
LOCK_WRITE_GRACE_SECONDS = 5.0
#: psutil start times are derived from clock ticks; equal within this they are the same process.
START_TIME_TOLERANCE_SECONDS = 0.05
_ATTEMPTS = 64


def lock_path(target: Path) -> Path:
    return target.with_name(target.name + ".lock")


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, "fozzy"
    return stem, ext


def _taken(p: Path) -> bool:
    return p.exists() or lock_path(p).exists()


def append_candidate(target: Path) -> Path:
    """`target` when it is free, else `<stem>.<max+1>.<ext>` over the names already present
    in its directory (written files and reserved ones alike)."""
    if not _taken(target):
        return target
    stem, ext = _split(target.name)
    pattern = re.compile(re.escape(stem) + r"\.(\d+)\." + re.escape(ext) + r"(?:\.lock)?\Z")
    highest = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(target.parent):
            m = pattern.match(entry.name)
            if m:
                highest = max(highest, int(m.group(1)))
    return target.with_name(f"{stem}.{highest + 1}.{ext}")


class _LockHeld(Exception):
    pass


def _lock_info(lock: Path) -> tuple[int | None, float | None, float]:
    """(pid, owner start time, created unix seconds) of a lock; the file's mtime stands in
    for the creation time when its content is unusable."""
    text = lock.read_text(errors="replace")
    fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
    pid = int(fields["pid"]) if fields.get("pid", "").isdigit() else None
    try:
        started: float | None = float(fields["started"])
    except (KeyError, ValueError):
        started = None
    created = fields.get("created_unix_ms", "")
    if created.isdigit():
        return pid, started, int(created) / 1000.0
    return pid, started, lock.stat().st_mtime


def _start_time(pid: int) -> float | None:
    """When process `pid` started, None if there is no such process: on Linux read from
    /proc the way psutil's `create_time` computes it (boot time + start ticks / CLK_TCK, so
    locks written either way compare equal), sparing every recording command psutil's import
    (~8 ms); elsewhere psutil's own answer."""
    boot = _boot_time()
    if boot is not None:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
        except FileNotFoundError:
            return None
        except OSError:
            stat = b""
        with contextlib.suppress(ValueError, IndexError):
            ticks = float(stat[stat.rindex(b")") + 2 :].split()[19])
            return ticks / os.sysconf("SC_CLK_TCK") + boot
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


@functools.cache
def _boot_time() -> float | None:
    """The boot time /proc/stat gives (None without a Linux /proc)."""
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/stat", "rb") as fh:
        for line in fh:
            if line.startswith(b"btime "):
                return float(line.split()[1])
    return None


def _owner_alive(pid: int | None, started: float | None, created: float) -> bool:
    """Whether the lock's writer may still be running: its pid exists with the recorded start
    time. A lock without a usable owner is only trusted while it may still be being written,
    and one from an older fozzy without a start time until `LOCK_STALE_SECONDS`."""
    if pid is None:
        return time.time() - created <= LOCK_WRITE_GRACE_SECONDS
    actual = _start_time(pid)
    if actual is None:
        return False
    if started is None:
        return time.time() - created <= LOCK_STALE_SECONDS
    return abs(actual - started) < START_TIME_TOLERANCE_SECONDS


def _create_lock(lock: Path) -> None:
    fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        content = (f"pid={os.getpid()} started={_start_time(os.getpid())}"
                   f" created_unix_ms={int(time.time() * 1000)}\n")
        os.write(fd, content.encode())
    except BaseException:
        # A lock we could not fill (ENOSPC, an interrupt) would block the name: drop it.
        os.close(fd)
        with contextlib.suppress(OSError):
            lock.unlink()
        raise
    os.close(fd)


def _take_over_stale(lock: Path, target: Path) -> None:
    """Remove a lock older than the stale age, and the temp files its dead writer left.

    The lock is first renamed to a private name, so of two processes that both found it
    stale only one removes it; the other sees a missing file and simply retries."""
    try:
        pid, started, created = _lock_info(lock)
    except FileNotFoundError:
        return
    if _owner_alive(pid, started, created):
        raise _LockHeld
    private = lock.with_name(f"{lock.name}.{uuid.uuid4().hex}.stale")
    try:
        os.rename(lock, private)
    except FileNotFoundError:
        return
    try:
        if _lock_info(private) != (pid, started, created):
            # Another process replaced the stale lock after we read it: give it back.
            with contextlib.suppress(FileExistsError):
                os.link(private, lock)
            raise _LockHeld
    finally:
        private.unlink()
    if pid is not None:
        for leftover in target.parent.glob(f".{glob_escape(target.name)}.{pid}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _lock(target: Path) -> None:
    lock = lock_path(target)
    for _ in range(2):
        try:
            _create_lock(lock)
            return
        except FileExistsError:
            _take_over_stale(lock, target)
    raise _LockHeld


def resolve_target(path: str | os.PathLike[str], policy: str = DEFAULT_POLICY) -> Path:
    """The final path a trace will be written to, reserved for this process.

    Raises `TraceError` on an `error`-policy collision or when an active writer holds the
    name. Call `write_trace` (or `release_target` if the run is abandoned) afterwards.
    """
    if policy not in POLICIES:
        choices = "|".join(POLICIES)
        raise ArgumentError(f"--record-collision must be one of {choices}, got {policy!r}")
    from workers.regular_file import refuse_special_target

    target = normalize_path(path)
    try:
        refuse_special_target(target)
    except OSError as e:
        raise TraceError(f"record target {e.strerror}") from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TraceError(f"cannot create directory for {target}: {e.strerror or e}") from None
    for _ in range(_ATTEMPTS):
        candidate = append_candidate(target) if policy == "append" else target
        if policy == "error" and candidate.exists():
            raise TraceError(_collision_message(candidate))
        try:
            _lock(candidate)
        except _LockHeld:
            if policy == "append":
                continue
            raise TraceError(
                f"record collision: active writer holds lock for {candidate}"
            ) from None
        except OSError as e:
            raise TraceError(f"cannot lock {candidate}: {e.strerror or e}") from None
        if policy != "overwrite" and candidate.exists():
            # Written by someone between our check and our lock: not ours to replace.
            release_target(candidate)
            if policy == "error":
                raise TraceError(_collision_message(candidate))
            continue
        return candidate
    raise TraceError(f"record collision: could not reserve a free name next to {target}")


def _collision_message(p: Path) -> str:
    return (
        f"record collision: {p} already exists (--record-collision=error). rerun with"
        " --record-collision overwrite (replace) or --record-collision append (keep both)"
    )


def _holds_lock(target: Path) -> bool:
    try:
        pid, started, _ = _lock_info(lock_path(target))
    except OSError:
        return False
    return pid == os.getpid() and started == _start_time(pid)


def release_target(target: Path) -> None:
    """Give up a reservation without writing (the run was abandoned)."""
    if _holds_lock(target):
        with contextlib.suppress(FileNotFoundError):
            lock_path(target).unlink()


def with_trace_path(summary: dict[str, Any], target: Path) -> dict[str, Any]:
    """The summary with `identity.tracePath` naming `target` (after `runId` and `seed`
    when it was absent), so the embedded path is always the path actually written."""
    identity = dict(summary.get("identity") or {})
    if "tracePath" in identity:
        identity["tracePath"] = str(target)
    else:
        head = {k: identity.pop(k) for k in ("runId", "seed") if k in identity}
        identity = {**head, "tracePath": str(target), **identity}
    return {**summary, "identity": identity}


def pretty_requested() -> bool:
    return os.environ.get("FOZZY_TRACE_PRETTY", "").strip().lower() in ("1", "true")


def write_trace(target: Path, doc: dict[str, Any]) -> Path:
    """Seal `doc` and write it atomically to a target reserved by `resolve_target`."""
    if not _holds_lock(target):
        raise TraceError(f"no reservation held for {target}; resolve the target first")
    try:
        sealed = {**doc, "summary": with_trace_path(doc["summary"], target)}
        data, _ = seal(sealed, pretty=pretty_requested())
        atomic_write_bytes(target, data)
    except CanonicalError as e:
        raise TraceError(f"cannot serialize trace {target}: {e}") from None
    except OSError as e:
        raise TraceError(f"failed to write trace {target}: {e.strerror or e}") from None
    finally:
        release_target(target)
    return target
