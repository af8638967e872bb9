"""The local worker pool: long-lived worker processes, per-item deadlines, kill and respawn.

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
(`run` yields `(index, result)`), which is the seam a remote backend would fill.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fozzy import diag
from fozzy.errors import FozzyError
from workers import protocol, serve
from workers.engine.findings import HANG, PANIC, finding

if TYPE_CHECKING:
    import psutil

DEFAULT_GRACE_MS = 500
STOP_JOIN_SECONDS = 2.0
READ_BYTES = 1 << 20
MEM_POLL_MS = 100  # how often worker memory is sampled when a limit is set
# A second job is only queued behind a running one when it fits well inside a socket buffer,
# so that sending it can never wait on a worker that is itself waiting to send results.
PREFETCH_MAX_BYTES = 64 * 1024
_POLL_IN = select.POLLIN | select.POLLHUP | select.POLLERR

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
    import psutil

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


def tree_rss(pid: int) -> int:
    """Resident memory of a worker and everything it started (host processes count against
    the worker's limit too); 0 when the process is already gone."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _children(pid: int) -> list[int] | None:
    """Direct children of `pid` from /proc (Linux), None when that cannot be read. A worker
    that has none has no descendants to clean up, and finding that out this way spares
    every run the psutil import and its whole-system process scan."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        out: list[int] = []
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as fh:
                out += [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        return None
    return out


def _readable_now(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def _worker_entry(conn: Any, inherited: list[Any], coordinator: int) -> None:
    """Runs in the forked child: drop the pipe ends of sibling workers (so every pipe's EOF
    means what it says), tie the worker's life and its process tree to the coordinator,
    then serve; whatever the worker still has running when it stops is killed."""
    for other in inherited:
        with contextlib.suppress(OSError):
            other.close()
    from workers.containment import contain_worker, kill_descendants

    contain_worker(coordinator, int(conn.fileno()))
    from workers.serve import main

    main(conn)
    kill_descendants()


@dataclass
class _Worker:
    proc: Any
    conn: Any
    fd: int  # the coordinator's end of the pipe
    sentinel: int  # readable once the process has exited
    job: list[int] = field(default_factory=list)  # global indices of the job in flight
    done: int = 0  # items of `job` already answered
    started: float = 0.0  # monotonic start of the item being run
    deadline: float | None = None
    budget_ms: int | None = None  # the current item's deadline budget, for messages
    eof: bool = False  # the pipe closed: the worker is gone or going
    hold: bool = False  # its next job was too big to queue behind the running one
    shared_seq: int = -1  # the shared fields it holds (see WorkerPool.run's `shared`)
    inbox: bytearray = field(default_factory=bytearray)  # bytes read, not yet a whole frame

    @property
    def busy(self) -> bool:
        return self.done < len(self.job)

    def frames(self) -> list[bytes]:
        """Take the complete messages out of `inbox`, in the framing of multiprocess
        `send_bytes` (4-byte big-endian length, or -1 then an 8-byte length)."""
        buf = self.inbox
        pos, end = 0, len(buf)
        out: list[bytes] = []
        while end - pos >= 4:
            size = int.from_bytes(buf[pos : pos + 4], "big", signed=True)
            head = 4
            if size == -1:
                if end - pos < 12:
                    break
                size = int.from_bytes(buf[pos + 4 : pos + 12], "big")
                head = 12
            if end - pos - head < size:
                break
            out.append(bytes(buf[pos + head : pos + head + size]))
            pos += head + size
        del buf[:pos]
        return out

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
        mem_limit_mb: int | None = None,
    ) -> None:
        if jobs < 1:
            raise ValueError("a pool needs at least one worker")
        self.jobs = jobs
        self.mem_limit_mb = mem_limit_mb
        self.grace_ms = grace_ms
        self.restart_budget = 4 * jobs if restart_budget is None else restart_budget
        self.restarts = 0
        import multiprocess  # the project's process library (issues 2 and 4); loaded on use

        self._ctx = multiprocess.get_context("fork")
        self._workers: list[_Worker] = []
        self._closed = False
        self._poller = select.poll()
        self._by_fd: dict[int, tuple[_Worker, bool]] = {}  # fd → (worker, is its pipe)
        self._shared: dict[str, Any] | None = None
        self._shared_bytes: Any = None
        self._shared_seq = 0

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
        diag.debug(lambda: f"pool: started worker pid {proc.pid}")
        worker = _Worker(proc, parent, int(parent.fileno()), int(proc.sentinel))
        self._workers.append(worker)
        for fd, is_pipe in ((worker.fd, True), (worker.sentinel, False)):
            self._poller.register(fd, _POLL_IN)
            self._by_fd[fd] = (worker, is_pipe)
        return worker

    def _forget(self, worker: _Worker) -> None:
        for fd in (worker.fd, worker.sentinel):
            if self._by_fd.get(fd, (None,))[0] is worker:
                self._poller.unregister(fd)
                del self._by_fd[fd]

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker's process tree and forget it."""
        kill_tree(worker.pid)
        worker.proc.join(STOP_JOIN_SECONDS)
        self._forget(worker)
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
        depth: int = 1,
        shared: dict[str, Any] | None = None,
    ) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """Run every item once and yield `(index, result)` as results arrive.

        An item's deadline is `deadline_ms(item)` plus the grace, from the moment its worker
        starts it. Results for hung or dead workers are synthesized (`timeout` / `crash`).
        `depth` is how many jobs a worker may hold (2 = the next one waits in its pipe).
        `shared` holds fields common to every item: each worker is sent them once (again only
        when a different object is passed) and merges them under each item itself.
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
        queue: deque[int] = deque(range(len(items)))
        pending = len(items)
        if len(self._workers) < min(self.jobs, pending):
            serve.preload(op)
        while len(self._workers) < min(self.jobs, pending):
            self._spawn()
        try:
            while pending:
                self._dispatch(queue, items, batch_size, op, deadline_ms, depth,
                               shared is not None)
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
        self, w: _Worker, items: list[dict[str, Any]], deadline_ms: DeadlineFn
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
        ready: dict[int, tuple[_Worker, bool]] = {}
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
        w: _Worker,
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
            if not readable and not _readable_now(w.fd):
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
                out.append((index, synthetic_result(
                    "crash",
                    finding(
                        PANIC,
                        "worker_error",
                        f"the worker could not run {item_label(items[index])}:"
                        f" {message['error']}",
                    ),
                    0,
                )))
            else:
                out.append((index, message["result"]))
        self._start_item(w, items, deadline_ms)

    def _requeue_rest(self, w: _Worker, queue: deque[int]) -> None:
        queue.extendleft(reversed(w.job[w.done + 1 :]))
        w.job, w.done = [], 0

    def _crashed(
        self, w: _Worker, queue: deque[int], items: list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        index, elapsed = w.job[w.done], time.monotonic() - w.started
        w.proc.join(STOP_JOIN_SECONDS)
        if w.proc.is_alive():  # closed its pipe but lingers: finish it off
            kill_tree(w.pid)
            w.proc.join(STOP_JOIN_SECONDS)
        how = describe_exit(w.proc.exitcode)
        found = finding(
            PANIC,
            "worker_crash",
            f"worker process {w.pid} running {item_label(items[index])} {how}",
        )
        return self._give_up(w, queue, index, "crash", found, elapsed)

    def _hung(
        self, w: _Worker, queue: deque[int], items: list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        index, elapsed = w.job[w.done], time.monotonic() - w.started
        found = finding(
            HANG,
            "timeout",
            f"{item_label(items[index])} did not finish within {w.budget_ms} ms (+{self.grace_ms}"
            f" ms grace; killed after {int(elapsed * 1000)} ms with its worker process tree)",
        )
        return self._give_up(w, queue, index, "timeout", found, elapsed)

    def _over_memory(
        self, w: _Worker, queue: deque[int], items: list[dict[str, Any]], rss: int
    ) -> tuple[int, dict[str, Any]]:
        index, elapsed = w.job[w.done], time.monotonic() - w.started
        found = finding(
            PANIC,
            "worker_memory_limit",
            f"worker process {w.pid} running {item_label(items[index])} used"
            f" {rss // (1024 * 1024)} MiB, over the {self.mem_limit_mb} MiB worker limit;"
            " killed with its process tree",
        )
        return self._give_up(w, queue, index, "crash", found, elapsed)

    def _give_up(
        self,
        w: _Worker,
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
        trees: dict[int, list[psutil.Process]] = {}
        for w in self._workers:
            if _children(w.pid) != []:
                import psutil

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
            leftovers = trees.get(w.pid)
            if leftovers:
                import psutil

                for child in leftovers:
                    with contextlib.suppress(psutil.Error):
                        child.kill()
            with contextlib.suppress(OSError):
                w.conn.close()
        self._workers.clear()
