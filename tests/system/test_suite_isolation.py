"""`fozzy test` with real processes: a scenario that kills its own worker, a hung host
process, and nothing left running afterwards.

Each test gets its own marker (a unique `sleep` duration) and looks for leftovers only among
processes carrying it, so tests running side by side (`-n 2`) never see each other's."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

FOZZY = [sys.executable, "-m", "fozzy"]


@pytest.fixture
def marker() -> str:
    """An argument no other process on the machine uses: 300 s and a unique fraction."""
    return f"300.{uuid.uuid4().int % 10**15:015d}"


def scenario(tmp: Path, name: str, steps: list[dict[str, object]]) -> None:
    path = tmp / "tests" / f"{name}.fozzy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "name": name, "steps": steps}))


def leftovers(marker: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any(marker in arg for arg in p.info["cmdline"] or []):
                found.append(p)
        except psutil.Error:
            continue
    return found


def wait_gone(marker: str, seconds: float = 5.0) -> list[psutil.Process]:
    """The processes carrying `marker` still alive after `seconds` (reaping takes a moment)."""
    deadline = time.monotonic() + seconds
    while leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return leftovers(marker)


def test_worker_killer_crash_hang_timeout_rest_reported_nothing_left(
    tmp_path: Path, marker: str
) -> None:
    for i in range(4):
        scenario(tmp_path, f"ok{i}", [{"type": "trace_event", "name": "x"}])
    scenario(tmp_path, "killer", [
        {"type": "proc_spawn", "cmd": "sh", "args": ["-c", "kill -9 $PPID"]}])
    scenario(tmp_path, "hang", [{"type": "proc_spawn", "cmd": "sleep", "args": [marker]}])
    scenario(tmp_path, "forker", [{"type": "proc_spawn", "cmd": "sh", "args": [
        "-c", f"trap '' TERM; sleep {marker} & sleep {marker} & wait"]}])
    t0 = time.monotonic()
    proc = subprocess.run(
        [*FOZZY, "--proc-backend", "host", "test", "--jobs", "2", "--timeout", "1s", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    elapsed = time.monotonic() - t0
    assert proc.returncode == 4, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    status = {Path(s["path"]).stem.split(".")[0]: s["status"] for s in report["scenarios"]}
    assert status == {"forker": "timeout", "hang": "timeout", "killer": "crash",
                      "ok0": "pass", "ok1": "pass", "ok2": "pass", "ok3": "pass"}
    crash = next(s for s in report["scenarios"] if s["status"] == "crash")
    assert "tests/killer.fozzy.json" in crash["findings"][0]["message"]
    assert "SIGKILL" in crash["findings"][0]["message"]
    assert elapsed < 60
    assert wait_gone(marker) == []


def test_hung_scenario_times_out_within_two_seconds(tmp_path: Path, marker: str) -> None:
    scenario(tmp_path, "spin", [{"type": "proc_spawn", "cmd": "sleep", "args": [marker]}])
    scenario(tmp_path, "ok", [{"type": "trace_event", "name": "x"}])
    proc = subprocess.run(
        [*FOZZY, "--proc-backend", "host", "test", "--jobs", "1", "--timeout", "1s", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    report = json.loads(proc.stdout)
    rows = {Path(s["path"]).name: s for s in report["scenarios"]}
    assert rows["spin.fozzy.json"]["status"] == "timeout"
    assert rows["spin.fozzy.json"]["durationMs"] < 2000
    assert rows["ok.fozzy.json"]["status"] == "pass"
    assert proc.returncode == 3
    assert wait_gone(marker) == []


def test_ctrl_c_stops_workers_and_writes_a_partial_report(tmp_path: Path, marker: str) -> None:
    import signal

    for i in range(3):
        scenario(tmp_path, f"q{i}", [{"type": "trace_event", "name": "x"}])
    scenario(tmp_path, "z-slow", [{"type": "proc_spawn", "cmd": "sleep", "args": [marker]}])
    proc = subprocess.Popen(
        [*FOZZY, "--proc-backend", "host", "test", "--jobs", "1", "--json"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(marker), "the slow scenario's process never started"
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    report = json.loads(out)
    rows = {Path(s["path"]).name: s for s in report["scenarios"]}
    assert [rows[f"q{i}.fozzy.json"]["status"] for i in range(3)] == ["pass"] * 3
    assert rows["z-slow.fozzy.json"]["status"] == "skipped"
    assert rows["z-slow.fozzy.json"]["reason"] == "interrupted"
    assert any(f["title"] == "interrupted" for f in report["findings"])
    assert Path(report["identity"]["reportPath"]).exists()
    assert wait_gone(marker) == []


def test_worker_memory_limit_crashes_only_the_hungry_scenario(tmp_path: Path, marker: str) -> None:
    hog = f"import time; b = bytearray(300 * 1024 * 1024); time.sleep({marker})"
    scenario(tmp_path, "hog", [{"type": "proc_spawn", "cmd": sys.executable, "args": ["-c", hog]}])
    for i in range(3):
        scenario(tmp_path, f"ok{i}", [{"type": "trace_event", "name": "x"}])
    proc = subprocess.run(
        [*FOZZY, "--proc-backend", "host", "test", "--jobs", "2", "--worker-mem-mb", "150",
         "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 4, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    rows = {Path(s["path"]).stem.split(".")[0]: s for s in report["scenarios"]}
    assert rows["hog"]["status"] == "crash"
    assert rows["hog"]["findings"][0]["title"] == "worker_memory_limit"
    assert "150 MiB" in rows["hog"]["findings"][0]["message"]
    assert all(rows[f"ok{i}"]["status"] == "pass" for i in range(3))
    assert wait_gone(marker) == []


def test_worker_memory_limit_must_be_positive(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", [{"type": "trace_event", "name": "x"}])
    proc = subprocess.run([*FOZZY, "test", "--worker-mem-mb", "0"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--worker-mem-mb" in proc.stderr
