"""Hard limits for host calls: deadlines, byte-capped streaming reads, process-tree kill.

Everything here is independent of the engine's Runtime so that it can be tested and
benchmarked on its own. The contract (ARCHITECTURE rule 4): limits are enforced while
streaming, never after buffering. A child's output is read in chunks as it arrives; the moment
a stream passes its cap, or the deadline passes, reading stops and the child's whole process
tree is killed and reaped, so a worker never holds more than `cap` bytes per stream and never
waits on a child past its deadline.

Why one thread and a selector instead of reader threads: the deadline, both pipes, the child's
exit (a pidfd) and RSS sampling all wake the same `select`, so a hung child is noticed at the
deadline itself rather than at the next poll tick, and a short-lived child costs no thread
start-up.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

MIB = 1024 * 1024
DEFAULT_MAX_OUTPUT_BYTES = 8 * MIB
DEFAULT_MAX_HTTP_BODY_BYTES = 8 * MIB

READ_CHUNK = 64 * 1024
RSS_INTERVAL_S = 0.025
TERM_GRACE_S = 0.03
FLUSH_GRACE_S = 1.0
_POLL_S = 0.01

# ProcOutcome.status values.
EXITED = "exited"
TIMEOUT = "timeout"
LIMIT = "limit"
STALLED = "stalled"


def earliest(*deadlines: float | None) -> float | None:
    """The nearest of several monotonic deadlines (None = no deadline)."""
    present = [d for d in deadlines if d is not None]
    return min(present) if present else None


def remaining_s(deadline: float | None, now: float | None = None) -> float | None:
    """Seconds left before `deadline`, never negative (None = unbounded)."""
    if deadline is None:
        return None
    return max(0.0, deadline - (time.monotonic() if now is None else now))


def elapsed_ms(duration_ns: int) -> int:
    """Wall duration as the virtual clock counts it: rounded up, at least 1 ms when non-zero."""
    return -(-duration_ns // 1_000_000)


class CappedBuffer:
    """Keeps the first `cap` bytes of a stream and counts everything offered to it.

    `feed` reports when the stream has gone past the cap, so the caller can stop reading at
    once; the kept prefix is what a finding shows for debugging.
    """

    __slots__ = ("cap", "data", "name", "seen")

    def __init__(self, name: str, cap: int) -> None:
        if cap < 0:
            raise ValueError(f"byte cap must be >= 0, got {cap}")
        self.name = name
        self.cap = cap
        self.data = bytearray()
        self.seen = 0

    def feed(self, chunk: bytes) -> bool:
        """Take a chunk; True once more than `cap` bytes have been seen."""
        self.seen += len(chunk)
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        return self.seen > self.cap

    @property
    def exceeded(self) -> bool:
        return self.seen > self.cap


@dataclass(slots=True)
class ProcOutcome:
    """What happened to one host process, as plain data.

    `status` is `exited`, `timeout` (the deadline passed; the tree was killed), `limit`
    (`limit_stream` passed its cap; the tree was killed) or `stalled` (the child exited but
    something kept its pipes open past the flush grace; the tree was killed). `exit_code` is
    the child's code, `-1` when a signal ended it, None when it never ran or was not reaped
    before the outcome was decided. `stdout_seen`/`stderr_seen` count every byte read, which is
    more than the kept bytes when a cap was passed.
    """

    status: str
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    stdout_seen: int
    stderr_seen: int
    duration_ns: int
    limit_stream: str | None = None
    peak_rss_bytes: int = 0
    rss_sample_count: int = 0


@dataclass(slots=True)
class _Tree:
    """The child and every descendant seen while sampling (psutil handles keep their create
    time, so a recycled pid is never signalled)."""

    pid: int
    root: psutil.Process | None = None
    seen: dict[int, psutil.Process] = field(default_factory=dict)
    peak: int = 0
    samples: int = 0

    def sample(self) -> None:
        import psutil

        try:
            if self.root is None:
                self.root = psutil.Process(self.pid)
            members = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        for p in members:
            self.seen.setdefault(p.pid, p)
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        self.samples += 1
        self.peak = max(self.peak, total)

    def escaped(self) -> list[psutil.Process]:
        """Descendants that left the child's process group (setsid/setpgid) but still run."""
        import psutil

        out = []
        for p in self.seen.values():
            if p.pid == self.pid:
                continue
            with contextlib.suppress(psutil.Error):
                if p.is_running() and os.getpgid(p.pid) != self.pid:
                    out.append(p)
        return out


def _signal_group(pgid: int, sig: int) -> bool:
    """Signal the whole process group; False when it has no members left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_procs(procs: list[psutil.Process], sig: int) -> None:
    import psutil

    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.send_signal(sig)


def kill_tree(
    proc: subprocess.Popen[bytes], extra: list[psutil.Process], grace: float = TERM_GRACE_S
) -> None:
    """SIGTERM the child's process group (and `extra` escapees), give them `grace` seconds,
    then SIGKILL whatever is left and reap the child. Returns within about `grace` plus the
    kernel's kill latency even when every process ignores SIGTERM."""
    pgid = proc.pid
    alive = _signal_group(pgid, signal.SIGTERM)
    _signal_procs(extra, signal.SIGTERM)
    end = time.monotonic() + grace
    while True:
        proc.poll()
        extra = [p for p in extra if _running(p)]
        alive = _signal_group(pgid, 0)
        if not alive and not extra:
            break
        if time.monotonic() >= end:
            _signal_group(pgid, signal.SIGKILL)
            _signal_procs(extra, signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait()


def _running(p: psutil.Process) -> bool:
    import psutil

    try:
        return bool(p.is_running() and p.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _exit_code(returncode: int) -> int:
    return -1 if returncode < 0 else returncode


def run_process(
    argv: list[str],
    cwd: str,
    deadline: float | None,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    *,
    sample_rss: bool = True,
    term_grace: float = TERM_GRACE_S,
    flush_grace: float = FLUSH_GRACE_S,
    keep: Callable[[int, list[psutil.Process]], None] | None = None,
) -> ProcOutcome:
    """Run `argv` (no shell) in `cwd` with stdin closed, in a session of its own.

    stdout and stderr are read concurrently in chunks against `max_output_bytes` each. The
    call returns when the child has exited and both pipes reached EOF, when `deadline` (a
    `time.monotonic()` value) passes, or when a stream passes its cap; in the last two cases
    the whole tree has been killed and reaped first. Whatever the outcome, processes left in
    the child's group are killed before returning, so no step leaves orphans behind — unless
    `keep` is given: then, after a normal exit, the child's group and the descendants seen are
    handed to `keep(pgid, seen)` alive (a scenario's process scope ends them later).

    A deadline already in the past spawns nothing and reports a timeout. Spawn failures
    (missing program, no permission, bad cwd) raise OSError.
    """
    t0 = time.monotonic()
    if deadline is not None and deadline <= t0:
        return ProcOutcome(TIMEOUT, None, b"", b"", 0, 0, 0)
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    tree = _Tree(proc.pid)
    stdout_buf = CappedBuffer("stdout", max_output_bytes)
    stderr_buf = CappedBuffer("stderr", max_output_bytes)
    sel = selectors.DefaultSelector()
    pidfd: int | None = None
    status: str | None = None
    try:
        opener = getattr(os, "pidfd_open", None)
        if opener is not None:
            with contextlib.suppress(OSError):
                pidfd = opener(proc.pid)
        sel.register(proc.stdout.fileno(), selectors.EVENT_READ, stdout_buf)
        sel.register(proc.stderr.fileno(), selectors.EVENT_READ, stderr_buf)
        if pidfd is not None:
            sel.register(pidfd, selectors.EVENT_READ, None)
        status, limit_stream = _pump(
            proc, sel, pidfd, tree, deadline, sample_rss, flush_grace, t0
        )
    finally:
        sel.close()
        if pidfd is not None:
            os.close(pidfd)
        if keep is not None and status == EXITED:
            proc.wait()
            keep(proc.pid, list(tree.seen.values()))
        else:
            # Also on the normal path: a background grandchild must not outlive its step.
            kill_tree(proc, tree.escaped(), term_grace)
        proc.stdout.close()
        proc.stderr.close()
    killed = status in (TIMEOUT, LIMIT)
    return ProcOutcome(
        status,
        None if killed else _exit_code(proc.returncode),
        bytes(stdout_buf.data),
        bytes(stderr_buf.data),
        stdout_buf.seen,
        stderr_buf.seen,
        int((time.monotonic() - t0) * 1e9),
        limit_stream,
        tree.peak,
        tree.samples,
    )


def _pump(
    proc: subprocess.Popen[bytes],
    sel: selectors.BaseSelector,
    pidfd: int | None,
    tree: _Tree,
    deadline: float | None,
    sample_rss: bool,
    flush_grace: float,
    t0: float,
) -> tuple[str, str | None]:
    """Read both pipes until EOF and exit, or until a deadline or cap decides the outcome.

    Returns `(status, limit_stream)`; the caller kills the tree."""
    open_pipes = 2
    exited = False
    flush_deadline: float | None = None
    next_sample = t0 + RSS_INTERVAL_S if sample_rss else None
    while open_pipes or not exited:
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            return TIMEOUT, None
        if flush_deadline is not None and now >= flush_deadline:
            return STALLED, None
        if next_sample is not None and now >= next_sample:
            tree.sample()
            next_sample = now + RSS_INTERVAL_S
        wake = earliest(deadline, flush_deadline, next_sample)
        if pidfd is None and not exited:
            wake = earliest(wake, now + _POLL_S)
        for key, _ in sel.select(remaining_s(wake, now)):
            buf = key.data
            if buf is None:
                sel.unregister(key.fd)
                proc.wait()
                continue
            assert isinstance(buf, CappedBuffer)
            chunk = os.read(key.fd, READ_CHUNK)
            if not chunk:
                sel.unregister(key.fd)
                open_pipes -= 1
            elif buf.feed(chunk):
                return LIMIT, buf.name
        if not exited and proc.poll() is not None:
            exited = True
            flush_deadline = time.monotonic() + flush_grace
    return EXITED, None
