"""Spawning fozzy and reading it: `exec`, `stream`, and killing a child's whole process tree.

The child starts in its own session, so its process group id is its pid and one `killpg`
reaches everything it forked that stayed in the group; psutil's descendant list adds the ones
that moved to a session of their own (host processes, sandboxes). The group is frozen with
SIGSTOP before the descendants are listed a second time, so nothing can fork past the kill.
Both pipes are read through one selector, which keeps the chunks in arrival order without
threads and writes stdin without the deadlock a blocking write would risk.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections import deque
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import IO, Literal, NamedTuple

import psutil

from fozzy.sdk.errors import FozzyTimeout, spawn_error

Source = Literal["stdout", "stderr"]

#: Bytes asked for per read of a pipe (and written per stdin write).
READ_SIZE = 65536


class Chunk(NamedTuple):
    """One piece of output, decoded; unpacks as `(source, chunk)`."""

    source: Source
    chunk: str


class ExecResult(NamedTuple):
    """What `exec` collected; unpacks as `(code, stdout, stderr)`."""

    code: int
    stdout: str
    stderr: str


def child_env(overrides: Mapping[str, str | None] | None) -> dict[str, str]:
    """The parent environment with `overrides` on top; a `None` value removes the key."""
    env = dict(os.environ)
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def exit_status(returncode: int) -> int:
    """A signal death (negative returncode) as the shell's 128+N, like fozzy's own exits."""
    return 128 - returncode if returncode < 0 else returncode


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return []


def _signal_all(procs: list[psutil.Process], sig: int) -> None:
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.send_signal(sig)


def _killpg(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def kill_tree(pid: int) -> None:
    """SIGKILL the session leader `pid`, its process group and every descendant it has."""
    first = _descendants(pid)
    _killpg(pid, signal.SIGSTOP)
    _signal_all(first, signal.SIGSTOP)
    everyone = {id(p): p for p in first + _descendants(pid)}
    _killpg(pid, signal.SIGKILL)
    _signal_all(list(everyone.values()), signal.SIGKILL)
    _signal_all(list(everyone.values()), signal.SIGCONT)


def spawn(
    argv: list[str], cwd: str | None, env: dict[str, str], with_stdin: bool
) -> subprocess.Popen[bytes]:
    """Start `argv` in a new session with piped output; OSError becomes SpawnError."""
    try:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if with_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as e:
        raise spawn_error(e, argv[0]) from e


class Stream:
    """Iterates a running fozzy's output as `(source, chunk)` in arrival order.

    `code` holds the exit status once the iteration ended. Leaving early — `close()`, the
    `with` block, an exception in the loop body or the stream being garbage-collected — kills
    the child's process tree, so an abandoned stream never leaves a process behind.
    """

    def __init__(
        self,
        argv: list[str],
        cwd: str | None,
        env: dict[str, str],
        stdin: str | bytes | None = None,
        timeout: float | None = None,
    ) -> None:
        self._done = True
        self.code: int | None = None
        self.argv = argv
        self._timeout = timeout
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._proc = spawn(argv, cwd, env, stdin is not None)
        self._done = False
        self._pending: deque[Chunk] = deque()
        self._sel = selectors.DefaultSelector()
        self._decoders: dict[int, tuple[Source, codecs.IncrementalDecoder]] = {}
        self._streams: dict[int, IO[bytes]] = {}
        for source, pipe in (("stdout", self._proc.stdout), ("stderr", self._proc.stderr)):
            assert pipe is not None
            dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
            self._decoders[pipe.fileno()] = (source, dec)  # type: ignore[assignment]
            self._streams[pipe.fileno()] = pipe
            self._sel.register(pipe.fileno(), selectors.EVENT_READ)
        self._stdin = memoryview(stdin.encode() if isinstance(stdin, str) else stdin or b"")
        if self._proc.stdin is not None:
            os.set_blocking(self._proc.stdin.fileno(), False)
            self._sel.register(self._proc.stdin.fileno(), selectors.EVENT_WRITE)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def __iter__(self) -> Iterator[Chunk]:
        return self

    def __next__(self) -> Chunk:
        while not self._pending:
            if self._done:
                raise StopIteration
            self._pump()
        return self._pending.popleft()

    def wait(self) -> int:
        """Drain the rest of the output (discarding it) and return the exit status."""
        for _ in self:
            pass
        assert self.code is not None
        return self.code

    def _remaining(self) -> float | None:
        if self._deadline is None:
            return None
        left = self._deadline - time.monotonic()
        if left <= 0:
            self.close()
            raise FozzyTimeout(self.argv[1:], self._timeout or 0.0)
        return left

    def _pump(self) -> None:
        if not self._sel.get_map():
            self._finish()
            return
        for key, _ in self._sel.select(self._remaining()):
            if key.fd in self._decoders:
                self._read(key.fd)
            else:
                self._write(key.fd)
        self._remaining()

    def _read(self, fd: int) -> None:
        source, dec = self._decoders[fd]
        data = os.read(fd, READ_SIZE)
        text = dec.decode(data, final=not data)
        if text:
            self._pending.append(Chunk(source, text))
        if not data:
            self._sel.unregister(fd)

    def _write(self, fd: int) -> None:
        try:
            sent = os.write(fd, self._stdin[:READ_SIZE])
        except BlockingIOError:
            return
        except BrokenPipeError:
            sent = len(self._stdin)
        self._stdin = self._stdin[sent:]
        if not self._stdin:
            self._sel.unregister(fd)
            assert self._proc.stdin is not None
            self._proc.stdin.close()

    def _finish(self) -> None:
        try:
            returncode = self._proc.wait(self._remaining())
        except subprocess.TimeoutExpired:
            self.close()
            raise FozzyTimeout(self.argv[1:], self._timeout or 0.0) from None
        self.code = exit_status(returncode)
        self._release()

    def _release(self) -> None:
        self._done = True
        self._sel.close()
        for pipe in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if pipe is not None:
                pipe.close()

    def close(self) -> None:
        """Kill the child's process tree if it still runs, and reap it. Idempotent."""
        if self._done:
            return
        kill_tree(self._proc.pid)
        self._release()
        self.code = exit_status(self._proc.wait())

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            # At interpreter shutdown psutil may already be torn down: the group still goes.
            _killpg(self._proc.pid, signal.SIGKILL)


def collect(stream: Stream) -> ExecResult:
    """Run `stream` to its end, joining each source's chunks."""
    out: dict[Source, list[str]] = {"stdout": [], "stderr": []}
    with stream:
        for source, chunk in stream:
            out[source].append(chunk)
    assert stream.code is not None
    return ExecResult(stream.code, "".join(out["stdout"]), "".join(out["stderr"]))
