"""Process containment: what a scenario starts ends with the scenario, and a worker's whole
tree ends with its coordinator (ARCHITECTURE rule 11).

Scenario scope (`ProcessScope`): a host process that exits normally may leave background
processes behind (a service started in one step that later steps talk to), so a step does not
kill them; the scope remembers the process group and every descendant seen, and `end` — run
when the scenario ends, however it ends — kills all of them and every other new descendant of
this process, then reaps them.

Worker scope (`contain_worker`, Linux): a worker is made a child subreaper, so a daemon that
double-forks or calls `setsid` is reparented to the worker instead of init and stays a
descendant that can be found and killed. The worker dies with its coordinator in two ways
that both kill the tree first, then exit: the kernel's parent-death signal (`SIGTERM`, caught
here: a `SIGKILL` could not clean up) and a watchdog thread that sees the coordinator's end of
the job pipe close (which covers a main thread stuck in a call that retries on `EINTR`).
What a process that leaves the tree another way (its own subreaper, a PID namespace) does is
outside this; a cgroup would be needed for that, and fozzy does not create one.
"""

from __future__ import annotations

# The low-level module: `threading` costs a worker ~3 ms of start-up for one daemon thread.
import _thread
import contextlib
import os
import select
import signal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psutil

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
#: Seconds scenario processes get between SIGTERM and SIGKILL when the scenario ends.
END_GRACE_S = 0.2
#: Rounds of "kill what is there, look again" at scenario end (a daemon forking while it is
#: being killed shows up in the next round).
END_ROUNDS = 8

_dying = _thread.allocate_lock()


def _prctl(option: int, arg: int) -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, arg, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def child_pids() -> list[int] | None:
    """Direct children of this process from /proc, None when that cannot be read (then
    callers ask psutil). Cheap enough to run at the end of every scenario."""
    pid = os.getpid()
    try:
        out: list[int] = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", "rb") as fh:
                out += [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        return None
    return out


def _descendants() -> list[psutil.Process]:
    import psutil

    try:
        return list(psutil.Process().children(recursive=True))
    except psutil.Error:
        return []


def _running(procs: list[psutil.Process]) -> list[psutil.Process]:
    import psutil

    out = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
    return out


def _signal(procs: list[psutil.Process], sig: int) -> None:
    import psutil

    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.send_signal(sig)


def _reap(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait (reaping our own children) up to `timeout`; what is still running."""
    import psutil

    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return _running(alive)


def kill_descendants(spare: frozenset[psutil.Process] = frozenset()) -> None:
    """SIGKILL every descendant of this process but `spare`, again until none is left (or
    `END_ROUNDS` passed), reaping the ones that are our children."""
    if child_pids() == []:
        return
    for _ in range(END_ROUNDS):
        procs = [p for p in _descendants() if p not in spare]
        if not procs:
            return
        _signal(procs, signal.SIGKILL)
        _reap(procs, END_GRACE_S)


class ProcessScope:
    """The host processes one scenario started, alive until `end`.

    `assert_throws` rolls back the engine's state, not the world: processes keep running, so
    `checkpoint`/`restore` keep the scope as it is."""

    def __init__(self) -> None:
        import psutil

        # Children that were already there (an engine run inside a process with children of
        # its own, e.g. a test runner) are not the scenario's.
        try:
            self.baseline = frozenset(psutil.Process().children(recursive=True))
        except psutil.Error:
            self.baseline = frozenset()
        self.groups: set[int] = set()
        self.seen: dict[int, psutil.Process] = {}

    def checkpoint(self) -> Any:
        return None

    def restore(self, saved: Any) -> None:
        return None

    def keep(self, pgid: int, seen: list[psutil.Process]) -> None:
        """A step's process exited normally; what it left running lives on until `end`."""
        self.groups.add(pgid)
        for p in seen:
            self.seen.setdefault(p.pid, p)

    def _groups_alive(self) -> bool:
        for pgid in self.groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, 0)
                return True
        return False

    def end(self) -> None:
        """SIGTERM everything the scenario left running, SIGKILL it after `END_GRACE_S`."""
        if child_pids() == [] and not self._groups_alive() and not _running(
                list(self.seen.values())):
            return
        procs = [p for p in _descendants() if p not in self.baseline]
        procs += [p for p in _running(list(self.seen.values())) if p not in procs]
        for pgid in self.groups:
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGTERM)
        _signal(procs, signal.SIGTERM)
        alive = _reap(procs, END_GRACE_S)
        for pgid in self.groups:
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
        _signal(alive, signal.SIGKILL)
        _reap(alive, END_GRACE_S)
        kill_descendants(self.baseline)
        self.groups.clear()
        self.seen.clear()


def _die(code: int) -> None:
    """Kill the worker's tree, then exit at once (whichever death path comes first)."""
    if not _dying.acquire(blocking=False):
        return
    try:
        kill_descendants()
    finally:
        os._exit(code)


def _on_sigterm(signum: int, frame: object) -> None:
    _die(128 + signum)


def _watch(fd: int) -> None:
    """Block until the coordinator's end of the job pipe closes, then die."""
    poller = select.poll()
    poller.register(fd, getattr(select, "POLLRDHUP", 0) | select.POLLHUP)
    while not poller.poll():
        pass
    _die(0)


def contain_worker(coordinator: int, job_fd: int) -> None:
    """Run in a freshly forked worker before it serves: subreaper, death with the
    coordinator (signal and pipe), and an exit right away if the coordinator is already
    gone (it may have died before the signal was armed)."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != coordinator:
        _die(1)
    with contextlib.suppress(OSError):
        _thread.start_new_thread(_watch, (os.dup(job_fd),))

