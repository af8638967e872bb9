"""Sandbox worker supervision: long-lived worker processes, per-item deadlines, kill and respawn.

It lives in `workers` so that both executors use it: the coordinator's local pool
(`fozzy.executor.pool`, which forks) and the Dask task (`workers.remote`, which spawns, since
a Dask worker is multi-threaded) supervise sandboxes the same way without importing `fozzy`.

The coordinator stays single-threaded. It sends each idle worker a job (a batch of items, as
orjson bytes) and then waits on every busy worker's result pipe and process sentinel at once,
with a timeout equal to the nearest per-item deadline. A worker reports each item as it
finishes, so at any moment the pool knows which item a worker holds: a late item gets its
worker's whole process tree killed and becomes `timeout`; a worker that dies turns the item it
held into `crash`. Either way the not-yet-run items of that job go back to the front of the
queue and a fresh worker takes over, within a restart budget.

Per-message cost is what limits a suite of tiny scenarios, so the receiving side avoids it:
one persistent `poll` set covers every worker's pipe and sentinel, and each wake-up reads all
bytes a worker has written in one `os.read`, splitting them into frames itself. With
`depth=2` a worker gets its next job while it still runs the last batch of the current one,
so it never idles waiting for the coordinator (only for jobs small enough that the send can
never block on a worker that is busy writing results).

The API mirrors `concurrent.futures.Executor.map` with results in completion order
(`run` yields `(index, result)`), which is what `fozzy.executor.seam.Executor` asks for.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections import deque
from collections.abc import Callable, Generator
from typing import Any, Self

from workers import protocol, serve
from workers.proctree import STOP_JOIN_SECONDS, describe_exit, kill_marked, kill_tree, tree_rss
from workers.sandbox import (
    WorkerSlot,
    await_ready,
    crash_finding,
    item_label,
    item_timeout_ms,
    memory_finding,
    process_context,
    readable_now,
    start_worker,
    stop_workers,
    synthetic_result,
    timeout_finding,
    worker_error_finding,
)

#: Milliseconds past an item's own deadline before its worker is killed.
DEFAULT_GRACE_MS = 500
#: Bytes taken from a worker's pipe per read.
READ_BYTES = 1 << 20
#: How often (ms) worker memory is sampled when a limit is set.
MEM_POLL_MS = 100
#: A second job is only queued behind a running one when it fits well inside a socket buffer,
# so that sending it can never wait on a worker that is itself waiting to send results.
PREFETCH_MAX_BYTES = 64 * 1024
_POLL_IN = select.POLLIN | select.POLLHUP | select.POLLERR

# An item's wall-clock budget before the coordinator steps in; None means no deadline.
DeadlineFn = Callable[[dict[str, Any]], int | None]


class SupervisorError(RuntimeError):
    """The workers cannot make progress (restart budget exhausted, worker failed to start)."""


class Supervisor:
    """`jobs` long-lived worker processes; use as a context manager so nothing outlives it.

    `start_method` is how workers start: `fork` where the supervising process is
    single-threaded (the coordinator), `spawn` inside a multi-threaded host (a Dask worker).
    Subclasses choose the exception raised when no progress is possible (`error`) and where
    start-up notes go (`debug`).
    """

    error: type[Exception] = SupervisorError

    def __init__(
        self,
        jobs: int,
        *,
        grace_ms: int = DEFAULT_GRACE_MS,
        restart_budget: int | None = None,
        mem_limit_mb: int | None = None,
        start_method: str = "fork",
    ) -> None:
        if jobs < 1:
            raise ValueError("a pool needs at least one worker")
        self.jobs = jobs
        self.mem_limit_mb = mem_limit_mb
        self.grace_ms = grace_ms
        self.restart_budget = 4 * jobs if restart_budget is None else restart_budget
        self.restarts = 0
        self._ctx = process_context(start_method)
        self._forks = start_method == "fork"
        self._op = "run"  # what forks preload and spawned workers load before saying ready
        self._workers: list[WorkerSlot] = []
        self._closed = False
        self._poller = select.poll()
        self._by_fd: dict[int, tuple[WorkerSlot, bool]] = {}  # fd → (worker, is its pipe)
        self._shared: dict[str, Any] | None = None
        self._shared_bytes: Any = None
        self._shared_seq = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def debug(self, message: Callable[[], str]) -> None:
        """A note about worker start-up; silent here, the coordinator's pool logs it."""

    # -- workers -------------------------------------------------------------------------
    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers]

    def _spawn(self) -> WorkerSlot:
        # A forked child holds copies of every pipe end; a spawned one only what it is given.
        inherited = [w.conn for w in self._workers] if self._forks else []
        try:
            started = start_worker(self._ctx, inherited, None if self._forks else self._op)
        except OSError as e:
            raise self.error(f"failed to start a worker process: {e}") from None
        # A forked worker has the preload already; a spawned one says when it is done.
        if not self._forks and (how := await_ready(started)) is not None:
            raise self.error(f"a spawned worker process did not start (it {how})")
        proc, parent = started.proc, started.conn
        self.debug(lambda: f"pool: started worker pid {proc.pid}")
        worker = WorkerSlot(proc, parent, int(parent.fileno()), int(proc.sentinel),
                            mark=started.mark)
        self._workers.append(worker)
        for fd, is_pipe in ((worker.fd, True), (worker.sentinel, False)):
            self._poller.register(fd, _POLL_IN)
            self._by_fd[fd] = (worker, is_pipe)
        return worker

    def _grow(self, wanted: int) -> None:
        """Start workers up to `wanted`, each forked with the op's modules preloaded, except a
        pool's first worker for an op that runs no steps (`fuzz`, `fuzz_eval`: a few ms of
        imports): it loads them itself while the coordinator gets on with its own work, where
        preloading first only put the import on the coordinator's path ahead of the fork.
        Step ops always preload: the step registry (~20 ms) is built once for every worker,
        and kept off the first item's deadline."""
        if not self._workers and wanted and self._op not in serve.STEP_OPS:
            self._spawn()
        if len(self._workers) < wanted:
            serve.preload(self._op)
        while len(self._workers) < wanted:
            self._spawn()

    def _forget(self, worker: WorkerSlot) -> None:
        for fd in (worker.fd, worker.sentinel):
            if self._by_fd.get(fd, (None,))[0] is worker:
                self._poller.unregister(fd)
                del self._by_fd[fd]

    def _retire(self, worker: WorkerSlot) -> None:
        """Kill a worker's process tree — and what it started that is no longer in its tree
        (a worker killed from outside leaves its host processes to init) — and forget it."""
        kill_tree(worker.pid)
        worker.proc.join(STOP_JOIN_SECONDS)
        kill_marked(worker.mark)
        self._forget(worker)
        with contextlib.suppress(OSError):
            worker.conn.close()
        self._workers.remove(worker)

    def _replace(self, worker: WorkerSlot) -> None:
        self._retire(worker)
        self.restarts += 1
        if self.restarts > self.restart_budget:
            raise self.error(
                f"worker restart budget exhausted ({self.restart_budget} restarts): workers keep"
                " dying or hanging; see the crash/timeout findings of the scenarios involved"
            )
        serve.preload(self._op)
        self._spawn()

    # -- running -------------------------------------------------------------------------
    def run(
        self,
        items: list[dict[str, Any]],
        *,
        batch_size: int = 1,
        op: str = "run",
        deadline_ms: DeadlineFn = item_timeout_ms,
        depth: int = 1,
        shared: dict[str, Any] | None = None,
        meanwhile: Callable[[], object] | None = None,
    ) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """Run every item once and yield `(index, result)` as results arrive.

        An item's deadline is `deadline_ms(item)` plus the grace, from the moment its worker
        starts it. Results for hung or dead workers are synthesized (`timeout` / `crash`).
        `depth` is how many jobs a worker may hold (2 = the next one waits in its pipe).
        `shared` holds fields common to every item: each worker is sent them once (again only
        when a different object is passed) and merges them under each item itself.
        `meanwhile` is called once, after the first jobs are sent and before the first wait,
        so the caller's own preparation runs while the workers work instead of before them.
        Stopping the iteration early kills whatever is still in flight.
        """
        if self._closed:
            raise RuntimeError("pool is closed")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if depth not in (1, 2):
            raise ValueError("depth must be 1 or 2")
        if shared is not None and shared is not self._shared:
            self._shared, self._shared_seq = shared, self._shared_seq + 1
            self._shared_bytes = protocol.preencoded(shared)  # encoded once for every worker
        self._op = op
        queue: deque[int] = deque(range(len(items)))
        pending = len(items)
        self._grow(min(self.jobs, pending))
        try:
            while pending:
                self._dispatch(queue, items, batch_size, op, deadline_ms, depth,
                               shared is not None)
                if meanwhile is not None:
                    prepare, meanwhile = meanwhile, None
                    prepare()
                for index, result in self._collect(queue, items, deadline_ms):
                    pending -= 1
                    yield index, result
        finally:
            for w in [w for w in self._workers if w.busy]:
                self._retire(w)

    def _dispatch(
        self,
        queue: deque[int],
        items: list[dict[str, Any]],
        batch_size: int,
        op: str,
        deadline_ms: DeadlineFn,
        depth: int,
        with_shared: bool,
    ) -> None:
        for w in [w for w in self._workers if not w.busy and not w.proc.is_alive()]:
            self._replace(w)  # died while idle: no item to blame, but it costs a restart
        for w in self._workers:
            if not queue:
                return
            outstanding = len(w.job) - w.done
            if outstanding and (depth == 1 or w.hold or outstanding > batch_size):
                continue
            job = [queue.popleft() for _ in range(min(batch_size, len(queue)))]
            message: dict[str, Any] = {"op": op, "items": [items[i] for i in job]}
            if with_shared:
                message["shared_seq"] = self._shared_seq
                if w.shared_seq != self._shared_seq:
                    message["shared"] = self._shared_bytes
            data = protocol.encode(message)
            if outstanding and len(data) > PREFETCH_MAX_BYTES:
                queue.extendleft(reversed(job))
                w.hold = True
                continue
            if with_shared:
                w.shared_seq = self._shared_seq
            if outstanding:
                w.job, w.done = w.job[w.done :] + job, 0
            else:
                w.job, w.done, w.hold = job, 0, False
                self._start_item(w, items, deadline_ms)
            try:
                w.conn.send_bytes(data)
            except OSError:
                # The worker is already gone; the sentinel reports it on the next wait.
                continue

    def _start_item(
        self, w: WorkerSlot, items: list[dict[str, Any]], deadline_ms: DeadlineFn
    ) -> None:
        w.started = time.monotonic()
        w.budget_ms = deadline_ms(items[w.job[w.done]]) if w.busy else None
        w.deadline = (
            None if w.budget_ms is None else w.started + (w.budget_ms + self.grace_ms) / 1000.0
        )

    def _collect(
        self, queue: deque[int], items: list[dict[str, Any]], deadline_ms: DeadlineFn
    ) -> list[tuple[int, dict[str, Any]]]:
        """Wait for the next events on busy workers and turn them into results."""
        busy = [w for w in self._workers if w.busy]
        deadlines = [w.deadline for w in busy if w.deadline is not None]
        timeout = None
        if deadlines:
            timeout = max(0, int((min(deadlines) - time.monotonic()) * 1000) + 1)
        if self.mem_limit_mb is not None:
            timeout = MEM_POLL_MS if timeout is None else min(timeout, MEM_POLL_MS)
        # Resolve fds to workers before handling anything: handling may replace a worker,
        # and its successor can be given the very same fd numbers.
        ready: dict[int, tuple[WorkerSlot, bool]] = {}
        for fd, _ in self._poller.poll(timeout):
            entry = self._by_fd.get(fd)
            if entry is None or not entry[0].busy:
                continue
            w, is_pipe = entry
            ready[id(w)] = (w, ready.get(id(w), (w, False))[1] or is_pipe)
        out: list[tuple[int, dict[str, Any]]] = []
        for w, pipe_ready in ready.values():
            if w not in self._workers:
                continue
            self._drain(w, items, deadline_ms, pipe_ready, out)
            if w.busy and (w.eof or not w.proc.is_alive()):
                out.append(self._crashed(w, queue, items))
        now = time.monotonic()
        for w in busy:
            if id(w) not in ready and w.busy and w.deadline is not None and now >= w.deadline:
                out.append(self._hung(w, queue, items))
        if self.mem_limit_mb is not None:
            for w in busy:
                if w in self._workers and w.busy:
                    rss = tree_rss(w.pid)
                    if rss > self.mem_limit_mb * 1024 * 1024:
                        out.append(self._over_memory(w, queue, items, rss))
        return out

    def _drain(
        self,
        w: WorkerSlot,
        items: list[dict[str, Any]],
        deadline_ms: DeadlineFn,
        readable: bool,
        out: list[tuple[int, dict[str, Any]]],
    ) -> None:
        """Every message the worker has already sent (there may be many, or a final EOF).

        One `os.read` takes whatever is in the pipe when it was reported readable; when only
        the sentinel fired (the process exited), the pipe is read until it is empty. The item
        now at the head of the worker's job started when the last of these results was sent.
        """
        while True:
            if not readable and not readable_now(w.fd):
                break
            try:
                chunk = os.read(w.fd, READ_BYTES)
            except OSError:
                chunk = b""
            if not chunk:
                w.eof = True
            w.inbox += chunk
            if readable or w.eof:
                break
        frames = w.frames()
        if not frames:
            return
        job = w.job
        for frame in frames:
            if w.done >= len(job):
                break
            message = protocol.decode(frame)
            index = job[w.done]
            w.done += 1
            if "error" in message:
                found = worker_error_finding(item_label(items[index]), message["error"])
                out.append((index, synthetic_result("crash", found, 0)))
            else:
                out.append((index, message["result"]))
        self._start_item(w, items, deadline_ms)

    def _requeue_rest(self, w: WorkerSlot, queue: deque[int]) -> None:
        queue.extendleft(reversed(w.job[w.done + 1 :]))
        w.job, w.done = [], 0

    def _crashed(
        self, w: WorkerSlot, queue: deque[int], items: list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        index, elapsed = w.job[w.done], time.monotonic() - w.started
        w.proc.join(STOP_JOIN_SECONDS)
        if w.proc.is_alive():  # closed its pipe but lingers: finish it off
            kill_tree(w.pid)
            w.proc.join(STOP_JOIN_SECONDS)
        found = crash_finding(w.pid, item_label(items[index]), describe_exit(w.proc.exitcode))
        return self._give_up(w, queue, index, "crash", found, elapsed)

    def _hung(
        self, w: WorkerSlot, queue: deque[int], items: list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        index, elapsed = w.job[w.done], time.monotonic() - w.started
        found = timeout_finding(item_label(items[index]), w.budget_ms, self.grace_ms, elapsed)
        return self._give_up(w, queue, index, "timeout", found, elapsed)

    def _over_memory(
        self, w: WorkerSlot, queue: deque[int], items: list[dict[str, Any]], rss: int
    ) -> tuple[int, dict[str, Any]]:
        index, elapsed = w.job[w.done], time.monotonic() - w.started
        found = memory_finding(w.pid, item_label(items[index]), rss, self.mem_limit_mb)
        return self._give_up(w, queue, index, "crash", found, elapsed)

    def _give_up(
        self,
        w: WorkerSlot,
        queue: deque[int],
        index: int,
        status: str,
        found: dict[str, Any],
        elapsed: float,
    ) -> tuple[int, dict[str, Any]]:
        """The item `w` held ends as `status` with `found`; the rest of its job goes back to
        the front of the queue and a fresh worker takes its place."""
        self._requeue_rest(w, queue)
        self._replace(w)
        return index, synthetic_result(status, found, int(elapsed * 1e9))

    # -- shutdown ------------------------------------------------------------------------
    def close(self) -> None:
        """Stop every worker; whatever does not stop in time is killed with its tree."""
        if self._closed:
            return
        self._closed = True
        stop_workers(self._workers)
        self._workers.clear()
