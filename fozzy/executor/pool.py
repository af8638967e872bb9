"""The local worker pool: long-lived worker processes, per-item deadlines, kill and respawn.

The coordinator stays single-threaded. It sends each idle worker a job (a batch of items, as
orjson bytes) and then waits on every busy worker's result pipe and process sentinel at once,
with a timeout equal to the nearest per-item deadline. A worker reports each item as it
finishes, so at any moment the pool knows which item a worker holds: a late item gets its
worker's whole process tree killed and becomes `timeout`; a worker that dies turns the item it
held into `crash`. Either way the not-yet-run items of that job go back to the front of the
queue and a fresh worker takes over, within a restart budget.

The API mirrors `concurrent.futures.Executor.map` with results in completion order
(`run` yields `(index, result)`), which is the seam a remote backend would fill.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import multiprocess
import multiprocess.connection
import psutil

from fozzy.errors import FozzyError
from workers import protocol
from workers.engine.findings import HANG, PANIC, finding

DEFAULT_GRACE_MS = 500
STOP_JOIN_SECONDS = 2.0

# An item's wall-clock budget before the coordinator steps in; None means no deadline.
DeadlineFn = Callable[[dict[str, Any]], int | None]


class PoolError(FozzyError):
    """The pool cannot make progress (restart budget exhausted, worker failed to start)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "executor error")


def item_timeout_ms(item: dict[str, Any]) -> int | None:
    """Scenario items carry their own `timeout_ms` (the `--timeout` flag)."""
    value = item.get("timeout_ms")
    return None if value is None else int(value)


def item_label(item: dict[str, Any]) -> str:
    """How findings name an item: its scenario path, else its scenario name."""
    path = item.get("scenario_path")
    if path:
        return str(path)
    scenario = item.get("scenario")
    if isinstance(scenario, dict) and scenario.get("name"):
        return f"scenario {scenario['name']!r}"
    return "job item"


def synthetic_result(status: str, found: dict[str, Any], wall_ns: int) -> dict[str, Any]:
    """A RunResult for an item the worker never answered (it hung or died)."""
    return {
        "status": status,
        "findings": [found],
        "decisions": [],
        "events": [],
        "memory": None,
        "virtualMs": 0,
        "executed": 0,
        "wallNs": wall_ns,
    }


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "exited without a status"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"was killed by {name}"
    return f"exited with code {exitcode}"


def kill_tree(pid: int) -> None:
    """SIGKILL a process, everything below it and everything left in its process group.

    Descendants are waited for here; the root is left for its parent to reap (for a worker,
    `Process.join`, which also records the exit status), so no one reaps a pid twice.
    """
    try:
        root = psutil.Process(pid)
        descendants = root.children(recursive=True)
    except psutil.NoSuchProcess:
        root, descendants = None, []
    for p in [*descendants, root]:
        if p is not None:
            with contextlib.suppress(psutil.Error):
                p.kill()
    with contextlib.suppress(OSError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
    psutil.wait_procs(descendants, timeout=STOP_JOIN_SECONDS)


def _set_parent_death_signal(coordinator: int) -> None:
    """Linux: have the kernel kill the worker if the coordinator dies without closing it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != coordinator:  # it died before the signal was armed
        os._exit(1)


def _worker_entry(conn: Any, inherited: list[Any], coordinator: int) -> None:
    """Runs in the forked child: drop the pipe ends of sibling workers (so every pipe's EOF
    means what it says), tie the worker's life to the coordinator, then serve."""
    for other in inherited:
        with contextlib.suppress(OSError):
            other.close()
    _set_parent_death_signal(coordinator)
    from workers.serve import main

    main(conn)


@dataclass
class _Worker:
    proc: Any
    conn: Any
    job: list[int] = field(default_factory=list)  # global indices of the job in flight
    done: int = 0  # items of `job` already answered
    started: float = 0.0  # monotonic start of the item being run
    deadline: float | None = None
    budget_ms: int | None = None  # the current item's deadline budget, for messages
    eof: bool = False  # the pipe closed: the worker is gone or going

    @property
    def busy(self) -> bool:
        return self.done < len(self.job)

    @property
    def pid(self) -> int:
        return int(self.proc.pid)


class WorkerPool:
    """`jobs` long-lived worker processes; use as a context manager so nothing outlives it."""

    def __init__(
        self,
        jobs: int,
        *,
        grace_ms: int = DEFAULT_GRACE_MS,
        restart_budget: int | None = None,
    ) -> None:
        if jobs < 1:
            raise ValueError("a pool needs at least one worker")
        self.jobs = jobs
        self.grace_ms = grace_ms
        self.restart_budget = 4 * jobs if restart_budget is None else restart_budget
        self.restarts = 0
        self._ctx = multiprocess.get_context("fork")
        self._workers: list[_Worker] = []
        self._closed = False

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- workers -------------------------------------------------------------------------
    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers]

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        inherited = [w.conn for w in self._workers] + [parent]
        proc = self._ctx.Process(
            target=_worker_entry,
            args=(child, inherited, os.getpid()),
            name="fozzy-worker",
            daemon=True,
        )
        try:
            proc.start()
        except OSError as e:
            raise PoolError(f"failed to start a worker process: {e}") from None
        child.close()
        worker = _Worker(proc, parent)
        self._workers.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker's process tree and forget it."""
        kill_tree(worker.pid)
        worker.proc.join(STOP_JOIN_SECONDS)
        with contextlib.suppress(OSError):
            worker.conn.close()
        self._workers.remove(worker)

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        self.restarts += 1
        if self.restarts > self.restart_budget:
            raise PoolError(
                f"worker restart budget exhausted ({self.restart_budget} restarts): workers keep"
                " dying or hanging; see the crash/timeout findings of the scenarios involved"
            )
        self._spawn()

    # -- running -------------------------------------------------------------------------
    def run(
        self,
        items: list[dict[str, Any]],
        *,
        batch_size: int = 1,
        op: str = "run",
        deadline_ms: DeadlineFn = item_timeout_ms,
    ) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """Run every item once and yield `(index, result)` as results arrive.

        An item's deadline is `deadline_ms(item)` plus the grace, from the moment its worker
        starts it. Results for hung or dead workers are synthesized (`timeout` / `crash`).
        Stopping the iteration early kills whatever is still in flight.
        """
        if self._closed:
            raise RuntimeError("pool is closed")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        queue: deque[int] = deque(range(len(items)))
        pending = len(items)
        while len(self._workers) < min(self.jobs, pending):
            self._spawn()
        try:
            while pending:
                self._dispatch(queue, items, batch_size, op, deadline_ms)
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
    ) -> None:
        for w in [w for w in self._workers if not w.busy and not w.proc.is_alive()]:
            self._replace(w)  # died while idle: no item to blame, but it costs a restart
        for w in self._workers:
            if not queue:
                return
            if w.busy:
                continue
            job = [queue.popleft() for _ in range(min(batch_size, len(queue)))]
            w.job, w.done = job, 0
            self._start_item(w, items, deadline_ms)
            try:
                w.conn.send_bytes(protocol.encode({"op": op, "items": [items[i] for i in job]}))
            except OSError:
                # The worker is already gone; the sentinel reports it on the next wait.
                continue

    def _start_item(
        self, w: _Worker, items: list[dict[str, Any]], deadline_ms: DeadlineFn
    ) -> None:
        w.started = time.monotonic()
        w.budget_ms = deadline_ms(items[w.job[w.done]]) if w.busy else None
        w.deadline = (
            None if w.budget_ms is None else w.started + (w.budget_ms + self.grace_ms) / 1000.0
        )

    def _collect(
        self, queue: deque[int], items: list[dict[str, Any]], deadline_ms: DeadlineFn
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Wait for the next events on busy workers and turn them into results."""
        busy = [w for w in self._workers if w.busy]
        deadlines = [w.deadline for w in busy if w.deadline is not None]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        by_handle: dict[Any, _Worker] = {}
        for w in busy:
            by_handle[w.conn] = w
            by_handle[w.proc.sentinel] = w
        ready = multiprocess.connection.wait(list(by_handle), timeout)
        handled: set[int] = set()
        for handle in ready:
            w = by_handle[handle]
            if id(w) in handled:
                continue
            handled.add(id(w))
            yield from self._drain(w, items, deadline_ms)
            if w.busy and (w.eof or not w.proc.is_alive()):
                yield self._crashed(w, queue, items)
        now = time.monotonic()
        for w in busy:
            if id(w) not in handled and w.busy and w.deadline is not None and now >= w.deadline:
                yield self._hung(w, queue, items)

    def _drain(
        self, w: _Worker, items: list[dict[str, Any]], deadline_ms: DeadlineFn
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every message the worker has already sent (there may be several, or a final EOF)."""
        while w.busy:
            try:
                if not w.conn.poll():
                    return
                message = protocol.decode(w.conn.recv_bytes())
            except (EOFError, OSError):
                w.eof = True
                return
            index = w.job[w.done]
            w.done += 1
            self._start_item(w, items, deadline_ms)
            if "error" in message:
                yield index, synthetic_result(
                    "crash",
                    finding(
                        PANIC,
                        "worker_error",
                        f"the worker could not run {item_label(items[index])}:"
                        f" {message['error']}",
                    ),
                    0,
                )
            else:
                yield index, message["result"]

    def _requeue_rest(self, w: _Worker, queue: deque[int]) -> None:
        queue.extendleft(reversed(w.job[w.done + 1 :]))
        w.job, w.done = [], 0

    def _crashed(
        self, w: _Worker, queue: deque[int], items: list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        index = w.job[w.done]
        wall_ns = int((time.monotonic() - w.started) * 1e9)
        w.proc.join(STOP_JOIN_SECONDS)
        if w.proc.is_alive():  # closed its pipe but lingers: finish it off
            kill_tree(w.pid)
            w.proc.join(STOP_JOIN_SECONDS)
        how = describe_exit(w.proc.exitcode)
        self._requeue_rest(w, queue)
        found = finding(
            PANIC,
            "worker_crash",
            f"worker process {w.pid} running {item_label(items[index])} {how}",
        )
        self._replace(w)
        return index, synthetic_result("crash", found, wall_ns)

    def _hung(
        self, w: _Worker, queue: deque[int], items: list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        index = w.job[w.done]
        elapsed = time.monotonic() - w.started
        self._requeue_rest(w, queue)
        found = finding(
            HANG,
            "timeout",
            f"{item_label(items[index])} did not finish within {w.budget_ms} ms (+{self.grace_ms}"
            f" ms grace; killed after {int(elapsed * 1000)} ms with its worker process tree)",
        )
        self._replace(w)
        return index, synthetic_result("timeout", found, int(elapsed * 1e9))

    # -- shutdown ------------------------------------------------------------------------
    def close(self) -> None:
        """Stop every worker; whatever does not stop in time is killed with its tree."""
        if self._closed:
            return
        self._closed = True
        trees: dict[int, list[psutil.Process]] = {}
        for w in self._workers:
            with contextlib.suppress(psutil.Error):
                trees[w.pid] = psutil.Process(w.pid).children(recursive=True)
            if w.busy:
                continue
            with contextlib.suppress(OSError):
                w.conn.send_bytes(protocol.encode({"op": "stop"}))
        deadline = time.monotonic() + STOP_JOIN_SECONDS
        for w in list(self._workers):
            if not w.busy:
                w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                kill_tree(w.pid)
                w.proc.join(STOP_JOIN_SECONDS)
            for child in trees.get(w.pid, []):
                with contextlib.suppress(psutil.Error):
                    child.kill()
            with contextlib.suppress(OSError):
                w.conn.close()
        self._workers.clear()
