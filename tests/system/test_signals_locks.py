"""Real signals against a running coordinator: SIGTERM/SIGHUP stop like Ctrl-C (partial
report, 128+signal), and a coordinator killed with SIGKILL leaves no lock that blocks the
next run. Every wait is a poll with a generous bound, never a guess at timing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from fozzy.trace.verify import verify_trace
from tests.system.signal_defaults import default_signals

FOZZY = str(Path(sys.executable).parent / "fozzy")
WAIT_SECONDS = 60.0  #: bound for every poll below; passing runs take a fraction of it


def poll(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def scenario(path: Path, seconds: int) -> None:
    path.write_text(json.dumps({"version": 1, "name": path.name.split(".")[0], "steps": [
        {"type": "proc_spawn", "cmd": "sleep", "args": [str(seconds)], "expect_exit": 0}]}))


def start(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([FOZZY, "--json", "--proc-backend", "host", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_signals)


def sleepers(pid: int) -> list[psutil.Process]:
    try:
        tree = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for p in tree:
        try:
            if p.name() == "sleep":
                found.append(p)
        except psutil.Error:
            continue
    return found


def gone(procs: list[psutil.Process]) -> bool:
    for p in procs:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.Error:
            continue
    return True


def stop(proc: subprocess.Popen[str], leftovers: list[psutil.Process]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=WAIT_SECONDS)
    for p in leftovers:
        try:
            p.kill()
        except psutil.Error:
            continue


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_signal_during_test_writes_partial_report(tmp_path: Path, signum: int, code: int) -> None:
    for i in range(4):
        scenario(tmp_path / f"s{i}.fozzy.json", 300)
    proc = start(tmp_path, "test", "*.fozzy.json", "--jobs", "1", "--timeout", "600s")
    running: list[psutil.Process] = []
    try:
        poll(lambda: bool(sleepers(proc.pid)), "a scenario's host process")
        running = sleepers(proc.pid)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=WAIT_SECONDS)
        assert proc.returncode == code, err
        assert "Traceback" not in err
        summary: dict[str, Any] = json.loads(out)
        assert summary["tests"]["passed"] == 0
        reasons = [s.get("reason") for s in summary["scenarios"] if s["status"] == "skipped"]
        assert reasons.count("interrupted") >= 3
        report = json.loads(Path(summary["identity"]["reportPath"]).read_text())
        assert report["identity"]["runId"] == summary["identity"]["runId"]
        index = json.loads((tmp_path / ".fozzy" / "run-alias-index.json").read_text())
        assert summary["identity"]["runId"] in json.dumps(index)
        poll(lambda: gone(running), "the worker's host process to end")
    finally:
        stop(proc, running)


def test_sigkill_during_record_then_overwrite_works_at_once(tmp_path: Path) -> None:
    scenario(tmp_path / "slow.fozzy.json", 300)
    scenario(tmp_path / "quick.fozzy.json", 0)
    proc = start(tmp_path, "run", "slow.fozzy.json", "--record", "x.fozzy", "--timeout", "600s")
    running: list[psutil.Process] = []
    try:
        poll(lambda: bool(sleepers(proc.pid)), "the scenario's host process")
        running = sleepers(proc.pid)
        assert (tmp_path / "x.fozzy.lock").exists()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=WAIT_SECONDS)
    finally:
        stop(proc, running)
    again = subprocess.run(
        [FOZZY, "--json", "--proc-backend", "host", "run", "quick.fozzy.json", "--record",
         "x.fozzy", "--record-collision", "overwrite"],
        cwd=tmp_path, capture_output=True, text=True, timeout=WAIT_SECONDS, check=False)
    assert again.returncode == 0, again.stderr
    assert verify_trace(tmp_path / "x.fozzy", strict=True)["ok"]
    assert not (tmp_path / "x.fozzy.lock").exists()


def test_stale_locks_are_reclaimed(tmp_path: Path) -> None:
    scenario(tmp_path / "quick.fozzy.json", 0)
    dead = subprocess.Popen(["true"])
    dead.wait()
    now_ms = int(time.time() * 1000)
    (tmp_path / "a.fozzy.lock").write_text(
        f"pid={dead.pid} started=1.0 created_unix_ms={now_ms}\n")
    empty = tmp_path / "b.fozzy.lock"
    empty.write_bytes(b"")
    old = time.time() - 3600
    os.utime(empty, (old, old))
    for name in ("a.fozzy", "b.fozzy"):
        proc = subprocess.run(
            [FOZZY, "--json", "--proc-backend", "host", "run", "quick.fozzy.json", "--record",
             name, "--record-collision", "overwrite"],
            cwd=tmp_path, capture_output=True, text=True, timeout=WAIT_SECONDS, check=False)
        assert proc.returncode == 0, proc.stderr
        assert verify_trace(tmp_path / name, strict=True)["ok"]
        assert not (tmp_path / f"{name}.lock").exists()


def test_jobs_request_is_capped(tmp_path: Path) -> None:
    cap = 4 * len(os.sched_getaffinity(0))
    for i in range(cap + 4):
        scenario(tmp_path / f"s{i}.fozzy.json", 1)
    proc = start(tmp_path, "test", "*.fozzy.json", "--jobs", "10000", "--timeout", "600s")
    most = 0
    try:
        while proc.poll() is None:
            try:
                workers = psutil.Process(proc.pid).children()
            except psutil.Error:
                break
            most = max(most, len(workers))
            time.sleep(0.05)
        out, err = proc.communicate(timeout=WAIT_SECONDS)
    finally:
        stop(proc, [])
    assert proc.returncode == 0, err
    assert f"--jobs 10000 capped at {cap}" in err
    assert 1 <= most <= cap
    assert json.loads(out)["tests"]["passed"] == cap + 4
