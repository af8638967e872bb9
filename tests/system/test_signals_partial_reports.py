"""SIGTERM, SIGHUP and SIGINT during `fuzz`, `explore` and `shrink`: the command stops, prints
(and for fuzz/explore writes) a partial report of what it did so far, leaves no worker, lock
or output file behind and exits 128+signal — as `fozzy test` does. Every wait is a poll with a
generous bound, never a guess at timing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from fozzy.fuzzing.campaign import FN_BATCH_EXECS, FN_SEEDS
from tests.system.signal_defaults import default_signals

FOZZY = str(Path(sys.executable).parent / "fozzy")
WAIT_SECONDS = 60.0  #: bound for every poll below; passing runs take a fraction of it
SIGNALS = [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)]

# Writes `started` once its worker has run more calls than the seeds and a whole batch, so
# the coordinator has merged at least one round before the signal comes.
TARGET = f"""
import pathlib

calls = 0


def check(data: bytes) -> None:
    global calls
    calls += 1
    if calls == {FN_BATCH_EXECS + len(FN_SEEDS) + 1}:
        pathlib.Path("started").write_text("x")
"""


def poll(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def workers(proc: subprocess.Popen[str]) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        return []


def gone(procs: list[psutil.Process]) -> bool:
    for p in procs:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.Error:
            continue
    return True


def interrupt(cwd: Path, args: list[str], signum: int,
              ready: Callable[[], bool] | None = None) -> tuple[int, dict[str, Any]]:
    """Start `fozzy --json ARGS`, wait until it runs (and `ready`), signal it; (exit, doc)."""
    proc = subprocess.Popen([FOZZY, "--json", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    try:
        poll(lambda: bool(workers(proc)) or proc.poll() is not None, "the worker pool")
        if ready is not None:
            poll(lambda: ready() or proc.poll() is not None, "the command to get going")
        assert proc.poll() is None, proc.communicate()
        pool = workers(proc)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=WAIT_SECONDS)
        assert "Traceback" not in out + err, err
        poll(lambda: gone(pool), "the workers to end")
        return proc.returncode, json.loads(out)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def titles(doc: dict[str, Any]) -> list[str]:
    return [f["title"] for f in doc.get("findings") or []]


def no_locks(root: Path) -> bool:
    """No trace reservation left (the alias index's flock file is meant to stay)."""
    return not list(root.rglob("*.fozzy.lock"))


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_fuzz_writes_what_it_found_so_far(tmp_path: Path, signum: int, code: int) -> None:
    (tmp_path / "target.py").write_text(TARGET)
    rc, doc = interrupt(tmp_path, ["fuzz", "fn:target:check", "--runs", "1000000000",
                                   "--jobs", "1", "--record", "crash.fozzy"], signum,
                        ready=(tmp_path / "started").exists)
    assert rc == code
    assert doc["status"] == "fail" and "interrupted" in titles(doc)
    assert doc["fuzz"]["executed"] >= FN_BATCH_EXECS
    assert Path(doc["identity"]["reportPath"]).is_file()
    report = json.loads(Path(doc["identity"]["reportPath"]).read_text())
    assert "interrupted" in titles(report)
    assert not (tmp_path / "crash.fozzy").exists()
    assert no_locks(tmp_path)


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_explore_writes_the_search_so_far(tmp_path: Path, signum: int, code: int) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples" / "explore"
    (tmp_path / "ok.fozzy.json").write_text((examples / "replication-ok.fozzy.json").read_text())
    rc, doc = interrupt(tmp_path, ["explore", "ok.fozzy.json", "--schedule", "random",
                                   "--schedules", "100000000", "--jobs", "1", "--record",
                                   "explore.fozzy"], signum)
    assert rc == code
    assert doc["status"] == "fail" and "interrupted" in titles(doc)
    assert doc["explore"]["exhausted"] is False
    assert doc["explore"]["schedules"] < 100000000
    assert Path(doc["identity"]["reportPath"]).is_file()
    assert not (tmp_path / "explore.fozzy").exists()
    assert no_locks(tmp_path)


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_shrink_reports_how_far_it_got_and_writes_nothing(
    tmp_path: Path, signum: int, code: int
) -> None:
    # 2049 of the 2100 allocations are needed to go over the limit: a long, real shrink.
    steps = [{"type": "memory_limit_mb", "mb": 1}] + [
        {"type": "memory_alloc", "bytes": 512} for _ in range(2100)]
    (tmp_path / "big.fozzy.json").write_text(json.dumps(
        {"version": 1, "name": "big", "steps": steps}))
    recorded = subprocess.run([FOZZY, "run", "big.fozzy.json", "--record", "big.fozzy"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert recorded.returncode == 1, recorded.stderr
    rc, doc = interrupt(tmp_path, ["shrink", "big.fozzy", "--budget", "600s", "--jobs", "1"],
                        signum)
    assert rc == code
    assert "interrupted" in titles(doc)
    assert doc["shrink"]["out"] is None and doc["shrink"]["candidates"] >= 0
    assert doc["shrink"]["signature"]["title"] == "memory_alloc_failed"
    assert not (tmp_path / "big.min.fozzy").exists()
    assert no_locks(tmp_path)
