"""Sandbox workers started by a bare `os.fork`, for a supervisor that is single-threaded.

A forked worker pickles nothing, so the process library is not needed for it: importing the
standard `multiprocessing` (pickle, socket, selectors, subprocess, locale) put about 13 ms on
the start of every command that runs a pool. What the supervisor uses of it is small and kept
exactly: a duplex socket pair framed as `multiprocessing.Connection` frames it (the supervisor
reads those frames itself, see `WorkerSlot.frames`), and a process handle with `pid`,
`sentinel`, `is_alive`, `join` and `exitcode` (negative: the signal that ended it).
Spawned workers (inside a Dask worker) still go through `multiprocess`.
"""

from __future__ import annotations

# The C module: socket.py would add selectors and its enum tables (~2 ms) for one socketpair.
import _socket
import contextlib
import functools
import gc
import os
import select
import sys
import time
import weakref
from collections.abc import Callable
from typing import Any

#: Frames up to this size go out as one write with their header.
_ONE_WRITE_BYTES = 16 * 1024
#: How long `is_alive` waits for a child whose pipe sentinel fired to become reapable: the
#: kernel closes a dying process's files before it turns it into a zombie.
_EXIT_SETTLE_SECONDS = 0.1


class Channel:
    """One end of a duplex pipe (a Unix socket pair, as `multiprocessing.Pipe` makes): frames
    of a 4-byte signed big-endian length, or -1 and an 8-byte length, then the bytes."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def fileno(self) -> int:
        if self._fd < 0:
            raise OSError("channel is closed")
        return self._fd

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    def send_bytes(self, data: bytes) -> None:
        size = len(data)
        head = (size.to_bytes(4, "big") if size <= 0x7FFFFFFF
                else b"\xff\xff\xff\xff" + size.to_bytes(8, "big"))
        if size <= _ONE_WRITE_BYTES:
            self._write_all(head + data)
        else:
            self._write_all(head)
            self._write_all(data)

    def recv_bytes(self) -> bytes:
        """The next frame; EOFError when the other end closed between frames, OSError when it
        closed inside one."""
        size = int.from_bytes(self._read_exact(4, at_start=True), "big", signed=True)
        if size == -1:
            size = int.from_bytes(self._read_exact(8), "big")
        return self._read_exact(size)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fileno(), view):]

    def _read_exact(self, size: int, at_start: bool = False) -> bytes:
        buf = bytearray()
        while len(buf) < size:
            chunk = os.read(self.fileno(), size - len(buf))
            if not chunk:
                if at_start and not buf:
                    raise EOFError
                raise OSError("the other end closed in the middle of a message")
            buf += chunk
        return bytes(buf)


def channel_pair() -> tuple[Channel, Channel]:
    a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    return Channel(a.detach()), Channel(b.detach())


class ForkedProcess:
    """A child running `target(*args)` and then exiting with its status; the parent reaps it
    through `is_alive`/`join`."""

    def __init__(self, target: Callable[..., object], args: tuple[Any, ...]) -> None:
        self._target = target
        self._args = args
        self.pid = 0
        self.sentinel = -1  # readable once the child has exited
        self.exitcode: int | None = None
        self._pipe = False  # the sentinel is a pipe, which fires before the child is reapable

    def start(self) -> None:
        _flush_std_streams()  # or the child would write the parent's buffered output again
        # Without pidfds, the sentinel is a pipe only the child holds open (as multiprocessing
        # does it): its read end turns readable when the child is gone.
        read_end, write_end = (-1, -1) if pidfds_work() else os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (read_end, write_end):
                if fd >= 0:
                    os.close(fd)
            raise
        if pid == 0:
            # The child's collections skip what it inherited, so they neither copy the
            # parent's pages nor spend its start-up walking them. Freezing splices the
            # collector's lists (O(1)) here, where the parent's own collector is untouched;
            # asking the parent whether anything is frozen yet walks them (~0.7 ms of a fuzz
            # start).
            gc.freeze()
            code = 1
            try:
                if read_end >= 0:
                    os.close(read_end)
                code = _bootstrap(self._target, self._args)
            finally:
                os._exit(code)
        self.pid = pid
        if write_end >= 0:
            os.close(write_end)
            self.sentinel, self._pipe = read_end, True
        else:
            self.sentinel = os.pidfd_open(pid)
        weakref.finalize(self, os.close, self.sentinel)

    def is_alive(self) -> bool:
        """A pidfd fires only once the child is reapable, so the reap alone answers; a fired
        pipe waits for the reap (the supervisor asks this of every idle worker it dispatches
        to, so the common case makes one system call)."""
        self._reap(os.WNOHANG)
        if self.exitcode is None and self._pipe and self._fired(0):
            self._settle(time.monotonic() + _EXIT_SETTLE_SECONDS)
        return self.exitcode is None

    def join(self, timeout: float | None = None) -> None:
        if self.exitcode is not None:
            return
        if timeout is None:
            self._reap(0)
            return
        deadline = time.monotonic() + timeout
        if self._fired(timeout):
            self._settle(max(deadline, time.monotonic() + _EXIT_SETTLE_SECONDS))
        else:
            self._reap(os.WNOHANG)

    def _fired(self, timeout: float) -> bool:
        poller = select.poll()
        poller.register(self.sentinel, select.POLLIN)
        return bool(poller.poll(max(0, int(timeout * 1000))))

    def _settle(self, deadline: float) -> None:
        """Reap a child whose sentinel fired. A pidfd fires once the child is reapable; a pipe
        fires a moment earlier (or long before, if the child closed its end and lives on), so
        a blocking wait could hang: poll until the deadline instead."""
        self._reap(os.WNOHANG)
        while self.exitcode is None and time.monotonic() < deadline:
            time.sleep(0.0005)
            self._reap(os.WNOHANG)

    def _reap(self, flags: int) -> None:
        if self.exitcode is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): its status is gone
            self.exitcode = 255
            return
        if pid:
            self.exitcode = os.waitstatus_to_exitcode(status)


@functools.cache
def pidfds_work() -> bool:
    """Whether this kernel (Linux 5.3+) and its seccomp policy let us open pidfds."""
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (OSError, AttributeError):
        return False
    return True


def _bootstrap(target: Callable[..., object], args: tuple[Any, ...]) -> int:
    """The child's life, as multiprocessing runs a process: stdin from /dev/null, the
    target, and its SystemExit code (or 1 and a traceback) as the exit status."""
    try:
        if sys.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                sys.stdin.close()
                sys.stdin = open(os.devnull)  # noqa: SIM115 - the child's stdin until it exits
        target(*args)
        return 0
    except SystemExit as e:
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        sys.stderr.write(f"{e.code}\n")
        return 1
    except BaseException:
        import traceback

        traceback.print_exc()
        return 1
    finally:
        _flush_std_streams()


def _flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()
