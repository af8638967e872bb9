"""Process-tree supervision shared by every place that runs sandbox workers: killing a
worker with everything it started, measuring the tree's memory, naming how a worker ended.

It lives in `workers` (not the coordinator) so a remote executor's task — a Dask worker
running `workers.remote` — supervises its sandbox the same way the local pool does without
importing `fozzy`.
"""

from __future__ import annotations

import contextlib
import os
import signal

#: Seconds to wait for a killed process tree (and a stopping worker) before moving on.
STOP_JOIN_SECONDS = 2.0
#: The environment variable every sandbox worker sets to its own mark, so that what it
#: started (and everything those started: env is inherited) can be found after the worker
#: itself died and its orphans were reparented out of its tree.
MARK_ENV = "FOZZY_SANDBOX_MARK"


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


def kill_marked(mark: str) -> int:
    """SIGKILL every process of this user that carries `mark` in its environment (a dead
    worker's host processes, daemons included, wherever they were reparented), with their
    trees; returns how many were found. Runs only after a worker ended abnormally, so the
    scan of every process is paid rarely. A process that rewrote its environment escapes
    this (docs/security.md says so)."""
    import psutil

    found: list[psutil.Process] = []
    me = os.getpid()
    for p in psutil.process_iter():
        if p.pid == me:
            continue
        with contextlib.suppress(psutil.Error, OSError):
            if p.environ().get(MARK_ENV) == mark:
                found.append(p)
    for p in found:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(found, timeout=STOP_JOIN_SECONDS)
    return len(found)


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


def children(pid: int) -> list[int] | None:
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
