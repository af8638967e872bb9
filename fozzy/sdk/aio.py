"""`AsyncFozzy`: the asyncio client. Cancelling a call kills the child's process tree.

The stream starts on first use (`async with` or the first `__anext__`), because spawning is
a coroutine; spawn failures surface there as the same `SpawnError` the sync client raises.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from fozzy.sdk.command import AsyncRunner
from fozzy.sdk.errors import FozzyTimeout, spawn_error
from fozzy.sdk.options import Options
from fozzy.sdk.process import (
    READ_SIZE,
    Chunk,
    ExecResult,
    Source,
    child_env,
    exit_status,
    kill_tree,
)
from fozzy.sdk.results import parse_result
from fozzy.sdk.surface import Surface

_EOF = None


class AsyncStream:
    """`async for source, chunk in stream`; `code` is set when the iteration ends.

    Leaving early (`aclose()`, the `async with` block, an exception, cancellation of the
    consuming task, garbage collection) kills the child and its process tree.
    """

    def __init__(
        self, argv: list[str], cwd: str | None, env: dict[str, str],
        stdin: str | bytes | None, timeout: float | None,
    ) -> None:
        self.argv, self._cwd, self._env, self._timeout = argv, cwd, env, timeout
        self._stdin = stdin.encode() if isinstance(stdin, str) else stdin
        self._proc: asyncio.subprocess.Process | None = None
        self._queue: asyncio.Queue[Chunk | None] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._open_pipes = 2
        self._deadline: float | None = None
        self._done = False
        self.code: int | None = None

    async def start(self) -> None:
        if self._proc is not None or self._done:
            return
        if self._timeout is not None:
            self._deadline = time.monotonic() + self._timeout
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv, cwd=self._cwd, env=self._env,
                stdin=asyncio.subprocess.PIPE if self._stdin is not None
                else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as e:
            self._done = True
            raise spawn_error(e, self.argv[0]) from e
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._tasks = [
            asyncio.create_task(self._pump("stdout", self._proc.stdout)),
            asyncio.create_task(self._pump("stderr", self._proc.stderr)),
        ]
        if self._stdin is not None:
            self._tasks.append(asyncio.create_task(self._feed(self._stdin)))

    async def _pump(self, source: Source, reader: asyncio.StreamReader) -> None:
        dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while data := await reader.read(READ_SIZE):
            if text := dec.decode(data):
                await self._queue.put(Chunk(source, text))
        if tail := dec.decode(b"", final=True):
            await self._queue.put(Chunk(source, tail))
        await self._queue.put(_EOF)

    async def _feed(self, data: bytes) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._proc.stdin.write(data)
            await self._proc.stdin.drain()
        self._proc.stdin.close()

    def _left(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> Chunk:
        await self.start()
        try:
            while not self._done:
                item = await asyncio.wait_for(self._queue.get(), self._left())
                if item is not _EOF:
                    return item
                self._open_pipes -= 1
                if self._open_pipes == 0:
                    assert self._proc is not None
                    self.code = exit_status(await asyncio.wait_for(self._proc.wait(),
                                                                   self._left()))
                    self._done = True
        except TimeoutError:
            await self.aclose()
            raise FozzyTimeout(self.argv[1:], self._timeout or 0.0) from None
        except BaseException:
            await self.aclose()
            raise
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Kill the process tree if it still runs and reap it. Idempotent."""
        proc, self._done = self._proc, True
        for task in self._tasks:
            task.cancel()
        if proc is None or self.code is not None:
            return
        if proc.returncode is None:
            kill_tree(proc.pid)
        self.code = exit_status(await proc.wait())

    async def __aenter__(self) -> AsyncStream:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.returncode is None:
            kill_tree(proc.pid)


class AsyncFozzy(AsyncRunner, Surface):
    """The asyncio twin of `Fozzy`: `exec`, `stream`, `command` (the exit-code contract
    applied to any argument vector) and every typed method of `Fozzy` as a coroutine — the
    same definitions (`fozzy.sdk.surface`), bound to this client's asynchronous `command`."""

    def __init__(
        self,
        bin: str = "fozzy",
        cwd: str | None = None,
        config: str | None = None,
        log: str = "info",
        json: bool = True,
        no_color: bool = False,
        env: Mapping[str, str | None] | None = None,
        timeout: float | None = None,
    ) -> None:
        self.options = Options(bin, cwd, config, log, json, no_color, dict(env or {}), timeout)

    def stream(
        self, args: Sequence[str], stdin: str | bytes | None = None, *,
        timeout: float | None = None,
    ) -> AsyncStream:
        return self._stream(self.options.argv(args), stdin, timeout)

    async def exec(
        self, args: Sequence[str], stdin: str | bytes | None = None, *,
        timeout: float | None = None,
    ) -> ExecResult:
        return await _collect(self.stream(args, stdin, timeout=timeout))

    async def command(self, args: Sequence[str], *, timeout: float | None = None) -> Any:
        stream = self._stream(self.options.argv(args, force_json=True), None, timeout)
        return parse_result(await _collect(stream))

    def _stream(
        self, argv: list[str], stdin: str | bytes | None, timeout: float | None
    ) -> AsyncStream:
        opts = self.options
        return AsyncStream(argv, opts.cwd, child_env(opts.env), stdin, timeout or opts.timeout)


async def _collect(stream: AsyncStream) -> ExecResult:
    out: dict[Source, list[str]] = {"stdout": [], "stderr": []}
    async with stream:
        async for source, chunk in stream:
            out[source].append(chunk)
    assert stream.code is not None
    return ExecResult(stream.code, "".join(out["stdout"]), "".join(out["stderr"]))
