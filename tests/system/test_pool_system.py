"""The pool as a system of real processes: parallelism, repeated crashes, and nothing left
behind when the coordinator is interrupted or killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from fozzy.executor.pool import WorkerPool
from workers.steps.parse import parse_steps

ROOT = Path(__file__).resolve().parents[2]


def item(steps: list[dict[str, Any]], *, path: str, seed: int = 1, det: bool = True
         ) -> dict[str, Any]:
    scenario = {"version": 1, "name": path, "steps": parse_steps(steps, "/steps")}
    return {"scenario": scenario, "scenario_path": path, "seed": seed, "det": det}


def nap(ms: int, path: str) -> dict[str, Any]:
    return item([{"type": "sleep", "duration": f"{ms}ms"}], path=path, det=False)


def sleeping(pid: int) -> bool:
    """Inside a scenario's wall-clock sleep (rather than idle on its job pipe)."""
    try:
        return "nanosleep" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False


def wait_until(cond: Any, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False


def test_two_workers_really_run_items_at_the_same_time() -> None:
    seen_both = threading.Event()
    stop = threading.Event()
    with WorkerPool(2) as pool:

        def watch() -> None:
            while not stop.is_set():
                pids = pool.worker_pids()
                if len(pids) == 2 and all(sleeping(p) for p in pids):
                    seen_both.set()
                    return
                time.sleep(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            results = dict(pool.run([nap(400, f"n{i}") for i in range(6)]))
        finally:
            stop.set()
            watcher.join()
    assert seen_both.is_set()
    assert {r["status"] for r in results.values()} == {"pass"}


def test_large_mixed_workload_is_identical_for_any_jobs_and_batch_size() -> None:
    items = []
    for i in range(60):
        steps: list[dict[str, Any]] = [{"type": "rand_u64", "key": "r"}]
        if i % 7 == 0:
            steps.append({"type": "assert_eq_int", "a": i, "b": -1})
        steps.append({"type": "sleep", "duration": f"{i}ms"})
        items.append(item(steps, path=f"s{i}.fozzy.json", seed=i))

    def outcome(jobs: int, batch: int) -> dict[int, Any]:
        with WorkerPool(jobs) as pool:
            return {
                i: (r["status"], r["decisions"], r["events"], r["findings"], r["virtualMs"])
                for i, r in pool.run(items, batch_size=batch)
            }

    reference = outcome(1, 1)
    assert [reference[i][0] for i in range(0, 60, 7)] == ["fail"] * 9
    for jobs, batch in ((2, 1), (2, 8), (3, 13)):
        assert outcome(jobs, batch) == reference


def test_repeated_worker_deaths_are_crashes_and_the_run_completes() -> None:
    items = [nap(300, f"victim{i}.fozzy.json") for i in range(8)]
    killed: list[int] = []
    with WorkerPool(2, restart_budget=8) as pool:

        def killer() -> None:
            while len(killed) < 3:
                for pid in pool.worker_pids():
                    if pid not in killed and sleeping(pid):
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        break
                time.sleep(0.05)

        thread = threading.Thread(target=killer)
        thread.start()
        results = dict(pool.run(items, batch_size=2))
        thread.join(timeout=60)
        restarts = pool.restarts
    statuses = [results[i]["status"] for i in range(8)]
    assert sorted(results) == list(range(8))
    assert statuses.count("crash") == 3 == restarts
    assert statuses.count("pass") == 5
    for r in results.values():
        if r["status"] == "crash":
            assert "victim" in r["findings"][0]["message"]
    assert psutil.Process().children(recursive=True) == []


def test_workers_die_with_a_killed_coordinator() -> None:
    script = textwrap.dedent(
        """
        from fozzy.executor.pool import WorkerPool
        from workers.steps.parse import parse_steps
        steps = parse_steps([{"type": "sleep", "duration": "60s"}], "/steps")
        it = {"scenario": {"version": 1, "name": "h", "steps": steps}, "seed": 1, "det": False}
        list(WorkerPool(2).run([it, it]))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    parent = psutil.Process(proc.pid)
    assert wait_until(lambda: sum(sleeping(c.pid) for c in parent.children()) == 2)
    pids = [c.pid for c in parent.children()]
    proc.kill()
    proc.wait(timeout=30)
    assert wait_until(lambda: not any(psutil.pid_exists(p) for p in pids))


def test_interrupting_fozzy_run_kills_the_worker_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "slow.fozzy.json").write_text(json.dumps(
        {"version": 1, "name": "slow", "steps": [{"type": "sleep", "duration": "60s"}]}
    ))
    proc = subprocess.Popen(
        [sys.executable, "-m", "fozzy", "run", "slow.fozzy.json", "--json"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        parent = psutil.Process(proc.pid)
        assert wait_until(lambda: any(sleeping(c.pid) for c in parent.children()))
        workers = parent.children(recursive=True)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # Typer turns Ctrl-C into exit 130 before the CLI's error boundary sees it; either way the
    # command ends at once instead of sleeping on.
    assert proc.returncode in (2, 130)
    assert wait_until(lambda: not any(w.is_running() for w in workers))
