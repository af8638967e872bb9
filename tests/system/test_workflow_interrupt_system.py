"""SIGTERM to `fozzy full` stops the step it is running, with every process that step started."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import psutil

MARK = "47.125"  # a sleep argument no other test uses


def _sleepers() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline", "status"])
            if p.info["status"] != psutil.STATUS_ZOMBIE and MARK in (p.info["cmdline"] or [])]


def _wait_for(cond: object, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if callable(cond) and cond():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_kills_the_running_step_tree(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text('proc_backend = "host"\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "slow.fozzy.json").write_bytes(orjson.dumps(
        {"version": 1, "name": "slow", "steps": [
            {"type": "proc_spawn", "cmd": "sleep", "args": [MARK]}]}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "fozzy", "--json", "full", "--required-steps",
         "discover_scenarios,test_det,run_record_trace"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: bool(_sleepers()), 60), "the step never started its process"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 128 + signal.SIGTERM
        assert _wait_for(lambda: not _sleepers(), 10), _sleepers()
        steps = {s["name"]: s for s in orjson.loads(out)["steps"]}
        assert steps["test_det"]["status"] == "failed"
        assert "interrupted" in steps["test_det"]["detail"]
        assert steps["run_record_trace"]["skipReason"] == "not run: the workflow was interrupted"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
