"""A real Dask cluster on 127.0.0.1 for the system tests: one `dask scheduler` and two
`dask worker` processes (`--nworkers 1 --nthreads 1`), started once per session, in a
directory whose user package `workers` shadows fozzy's on the workers' `PYTHONPATH`, and
killed with every process below them at the end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

DASK = str(Path(sys.executable).with_name("dask"))
START_TIMEOUT_S = 60
#: The scheduler retries a task whose worker died once, so worker-loss tests stay short.
ALLOWED_FAILURES = "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])



def gone(procs: list[psutil.Process], timeout: float = 10.0) -> list[psutil.Process]:
    """Which of `procs` still run after `timeout`."""
    deadline = time.monotonic() + timeout
    alive = procs
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    return alive


#: Runs argv detached (its own session, reparented away from the test process) and prints
#: its pid: the cluster must not count as a child of the test process, whose other tests
#: (run in the same process by pytest-xdist) assert they leave no children behind.
LAUNCH = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], start_new_session=True,"
          " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL);"
          " print(p.pid, flush=True); os._exit(0)")
#: Seconds an orphaned cluster (its test process killed) waits before it exits on its own.
ORPHAN_TIMEOUT_S = "300"


class Cluster:
    def __init__(self, base: Path) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.home = base / "dask-home"
        user = self.home / "workers"  # a user package that shadows fozzy's `workers`
        user.mkdir(parents=True)
        (user / "__init__.py").write_text("raise ImportError('the user package named workers')\n")
        self.env = {**os.environ, "PYTHONPATH": str(self.home),
                    "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": ALLOWED_FAILURES}
        self.scheduler = self._start(DASK, "scheduler", "--host", "127.0.0.1", "--port",
                                     self.address.rsplit(":", 1)[1], "--no-dashboard",
                                     "--idle-timeout", ORPHAN_TIMEOUT_S)
        self.workers = [self.start_worker() for _ in range(2)]
        import distributed

        with distributed.Client(self.address, timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT_S)

    def _start(self, *argv: str) -> psutil.Process:
        out = subprocess.run([sys.executable, "-c", LAUNCH, *argv], cwd=self.home, env=self.env,
                             capture_output=True, text=True, timeout=30, check=True)
        return psutil.Process(int(out.stdout))

    def start_worker(self) -> psutil.Process:
        return self._start(DASK, "worker", self.address, "--nworkers", "1", "--nthreads", "1",
                           "--host", "127.0.0.1", "--no-dashboard",
                           "--death-timeout", ORPHAN_TIMEOUT_S)

    def tree(self) -> list[psutil.Process]:
        out = []
        for root in [self.scheduler, *self.workers]:
            try:
                out += [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
        return out

    def kill_worker(self, n: int) -> list[psutil.Process]:
        """SIGKILL one `dask worker` with its nanny'd worker; its sandbox must follow."""
        root = self.workers[n]
        procs = [root, *root.children(recursive=True)]
        for p in procs[:2]:
            p.kill()
        return procs

    def alive(self) -> bool:
        return all(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in self.workers)

    def stop(self) -> None:
        procs = self.tree()
        for p in procs:
            try:
                p.kill()
            except psutil.Error:
                continue
