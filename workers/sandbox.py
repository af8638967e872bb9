"""One sandbox worker process as its supervisor sees it: how it starts, what it holds, and
the results synthesized for items it never answered (see `workers.supervise`)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from typing import Any, NamedTuple

from workers import protocol, serve
from workers.engine.findings import HANG, PANIC, finding
from workers.proctree import MARK_ENV, STOP_JOIN_SECONDS, children, describe_exit, kill_tree

#: What a spawned worker sends once it is ready to serve.
READY = b"ready"
#: Seconds a spawned worker may take to import the engine and report ready.
SPAWN_READY_SECONDS = 60.0
#: Signals a worker takes over from whatever its parent had installed.
_RESET_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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
        "measurements": None,
    }


def crash_finding(pid: int, label: str, how: str) -> dict[str, Any]:
    return finding(PANIC, "worker_crash", f"worker process {pid} running {label} {how}")


def timeout_finding(label: str, budget_ms: int | None, grace_ms: int,
                    elapsed: float) -> dict[str, Any]:
    return finding(HANG, "timeout",
                   f"{label} did not finish within {budget_ms} ms (+{grace_ms} ms grace; killed"
                   f" after {int(elapsed * 1000)} ms with its worker process tree)")


def memory_finding(pid: int, label: str, rss: int, limit_mb: int | None) -> dict[str, Any]:
    return finding(PANIC, "worker_memory_limit",
                   f"worker process {pid} running {label} used {rss // (1024 * 1024)} MiB,"
                   f" over the {limit_mb} MiB worker limit; killed with its process tree")


def worker_error_finding(label: str, error: object) -> dict[str, Any]:
    return finding(PANIC, "worker_error", f"the worker could not run {label}: {error}")


def readable_now(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def worker_entry(conn: Any, inherited: list[Any], coordinator: int, preload: str | None,
                 mark: str = "") -> None:
    """Runs in the new worker process: drop the pipe ends of sibling workers (so every pipe's EOF
    means what it says), tie the worker's life and its process tree to the coordinator,
    then serve; whatever the worker still has running when it stops is killed. A spawned
    worker first imports what `preload` needs and says it is ready, so that its start-up is
    not charged to the first item's deadline. `mark` goes into the environment every host
    process inherits (`proctree.kill_marked` finds them if this worker is killed).

    Ctrl-C is the coordinator's to handle, so SIGINT is ignored before anything else runs, and
    SIGTERM/SIGHUP get their default meaning back; `start_worker` forks with those signals
    blocked, so none lands before this (a no-op for a worker started otherwise)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in _RESET_SIGNALS[1:]:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _RESET_SIGNALS)
    if mark:
        os.environ[MARK_ENV] = mark
    for other in inherited:
        with contextlib.suppress(OSError):
            other.close()
    from workers.containment import contain_worker, kill_descendants

    contain_worker(coordinator, int(conn.fileno()))
    from workers.serve import main

    if preload is not None:
        serve.preload(preload)
        conn.send_bytes(READY)

    main(conn)
    kill_descendants()


class Started(NamedTuple):
    """A worker process just started: its handle, the supervisor's end of its pipe, and the
    mark its process tree inherits."""

    proc: Any
    conn: Any
    mark: str


def process_context(start_method: str) -> Any:
    """The process library for `start_method`; None for a fork, which `workers.forked` does
    itself (a fork pickles nothing). Spawning pickles the worker's entry and pipe: that is
    where `multiprocess` (the project's process library) is used."""
    if start_method == "fork":
        return None
    import multiprocess

    return multiprocess.get_context(start_method)


def start_worker(ctx: Any, inherited: list[Any], preload: str | None) -> Started:
    """Start one sandbox worker running `worker_entry`, forked when `ctx` is None, else by
    `ctx` (a `multiprocess` context). Under fork, `inherited` are pipe ends of other workers
    that the child must close. Raises OSError when the process cannot start."""
    mark = f"{os.getpid()}-{os.urandom(8).hex()}"
    proc: Any
    if ctx is None:
        from workers.forked import ForkedProcess, channel_pair

        parent, child = channel_pair()
        proc = ForkedProcess(worker_entry, (child, [*inherited, parent], os.getpid(), preload,
                                            mark))
    else:
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=worker_entry, args=(child, [], os.getpid(), preload, mark),
                           name="fozzy-worker", daemon=True)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _RESET_SIGNALS)
    try:
        proc.start()
    except OSError:
        parent.close()
        raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child.close()
    return Started(proc, parent, mark)


def await_ready(started: Started) -> str | None:
    """Wait for a worker started with a preload to say it is ready; None once it has, else how
    it ended (it is then killed and its pipe closed)."""
    ready = False
    with contextlib.suppress(OSError, EOFError):
        ready = started.conn.poll(SPAWN_READY_SECONDS) and started.conn.recv_bytes() == READY
    if ready:
        return None
    kill_tree(int(started.proc.pid))
    started.proc.join(STOP_JOIN_SECONDS)
    started.conn.close()
    return describe_exit(started.proc.exitcode)


class WorkerSlot:
    """One worker process as the supervisor tracks it. A plain class: a dataclass costs every
    command that starts a pool ~0.9 ms to create (3.11 compiles its methods from source), and
    a slot is equal only to itself anyway."""

    __slots__ = (
        "budget_ms",
        "conn",
        "deadline",
        "done",
        "eof",
        "fd",
        "hold",
        "inbox",
        "job",
        "mark",
        "proc",
        "sentinel",
        "shared_seq",
        "started",
    )

    def __init__(self, proc: Any, conn: Any, fd: int, sentinel: int, mark: str = "") -> None:
        self.proc = proc
        self.conn = conn
        self.fd = fd  # the coordinator's end of the pipe
        self.sentinel = sentinel  # readable once the process has exited
        self.job: list[int] = []  # global indices of the job in flight
        self.done = 0  # items of `job` already answered
        self.started = 0.0  # monotonic start of the item being run
        self.deadline: float | None = None
        self.budget_ms: int | None = None  # the current item's deadline budget, for messages
        self.eof = False  # the pipe closed: the worker is gone or going
        self.hold = False  # its next job was too big to queue behind the running one
        self.shared_seq = -1  # the shared fields it holds (see WorkerPool.run's `shared`)
        self.mark = mark  # its MARK_ENV value, inherited by everything it starts
        self.inbox = bytearray()  # bytes read, not yet a whole frame

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




def stop_workers(workers: list[WorkerSlot]) -> None:
    """Stop every worker; whatever does not stop in time is killed with its tree, and so is
    what it had running when asked to stop (noted first: a stopping worker's own cleanup may
    not reach a child that has left its process group)."""
    trees: dict[int, list[Any]] = {}
    for w in workers:
        if children(w.pid) != []:
            import psutil

            with contextlib.suppress(psutil.Error):
                trees[w.pid] = psutil.Process(w.pid).children(recursive=True)
        if w.busy:
            continue
        with contextlib.suppress(OSError):
            w.conn.send_bytes(protocol.encode({"op": "stop"}))
    deadline = time.monotonic() + STOP_JOIN_SECONDS
    for w in list(workers):
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
