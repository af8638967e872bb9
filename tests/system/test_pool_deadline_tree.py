"""The pool's own deadline kills a worker's whole process tree, not just the worker.

The worker is SIGSTOPped while its step runs a host process, so the worker-side step deadline
can never fire: only the coordinator's per-item deadline is left to end the item, and it must
take the host process (in a session of its own, a child of the worker) down with the worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import uuid
from typing import Any

import psutil

from fozzy.executor.pool import WorkerPool
from workers.steps.parse import parse_steps


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def host_sleeper(marker: str) -> dict[str, Any]:
    step = {"type": "proc_spawn", "cmd": sys.executable,
            "args": ["-c", "import time; time.sleep(120)", marker]}
    scenario = {"version": 1, "name": "stuck", "steps": parse_steps([step], "/steps")}
    return {"scenario": scenario, "scenario_path": "stuck.fozzy.json", "seed": 1, "det": False,
            "backends": {"proc": "host"}, "cwd": os.getcwd(), "timeout_ms": 3000}


def find_marked(root: int, marker: str) -> int | None:
    with contextlib.suppress(psutil.Error):
        for p in psutil.Process(root).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if marker in p.cmdline():
                    return int(p.pid)
    return None


def test_pool_deadline_kills_a_stopped_worker_and_its_host_processes() -> None:
    marker = f"fozzy-pool-tree-{uuid.uuid4().hex}"
    found: dict[str, int] = {}
    with WorkerPool(1, grace_ms=200) as pool:

        def stop_worker_once_host_process_runs() -> None:
            end = time.monotonic() + 30
            while time.monotonic() < end:
                for worker in pool.worker_pids():
                    host = find_marked(worker, marker)
                    if host is not None:
                        os.kill(worker, signal.SIGSTOP)
                        found.update(worker=worker, host=host)
                        return
                time.sleep(0.01)

        watcher = threading.Thread(target=stop_worker_once_host_process_runs)
        watcher.start()
        try:
            [(_, result)] = list(pool.run([host_sleeper(marker)]))
            watcher.join()
            assert found, "the host process never started"
            assert result["status"] == "timeout"
            assert "with its worker process tree" in result["findings"][0]["message"]
            end = time.monotonic() + 10
            while alive(found["host"]) and time.monotonic() < end:
                time.sleep(0.02)
            assert not alive(found["host"]), "the host process outlived its killed worker"
            assert not alive(found["worker"])
        finally:
            watcher.join()
            if "host" in found:
                with contextlib.suppress(OSError):
                    os.kill(found["host"], signal.SIGKILL)
