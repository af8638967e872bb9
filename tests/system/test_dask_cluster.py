"""`fozzy test --dask` against a real `dask scheduler` and two `dask worker` processes on
127.0.0.1 (and `--dask local:2`): the same report as `--jobs 2` for a suite with pass, fail,
crash and timeout scenarios and real host processes, nothing left running, a Dask worker
killed mid-suite, and a user package named `workers` in the Dask workers' directory and path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.system.dask_cluster import Cluster, free_port, gone

pytest.importorskip("distributed",
                    reason="distributed is not installed (pip install 'fozzy[dask]')")

FOZZY = [sys.executable, "-m", "fozzy"]
MARKER = "301.4242"  # an argument no other process on the machine uses


def scenario(root: Path, name: str, steps: list[dict[str, Any]]) -> None:
    path = root / "tests" / f"{name}.fozzy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "name": name, "steps": steps}))


def mixed_suite(root: Path) -> None:
    for i in range(4):
        scenario(root, f"ok{i}", [{"type": "rand_u64", "key": "r"},
                                  {"type": "trace_event", "name": "x"}])
    scenario(root, "fail", [{"type": "assert_eq_int", "a": 1, "b": 2}])
    scenario(root, "killer", [
        {"type": "proc_spawn", "cmd": "sh", "args": ["-c", "kill -9 $PPID"]}])
    scenario(root, "hang", [{"type": "proc_spawn", "cmd": "sleep", "args": [MARKER]}])
    scenario(root, "host", [{"type": "proc_spawn", "cmd": "sh", "args": ["-c", "echo hi"]}])


def leftovers() -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if MARKER in (p.info["cmdline"] or []):
                found.append(p)
        except psutil.Error:
            continue
    return found


def run(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run([*FOZZY, "--proc-backend", "host", "test", "--seed", "9",
                           "--timeout", "1s", "--json", *args], cwd=root, capture_output=True,
                          text=True, timeout=180, check=False)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def rows(report: dict[str, Any]) -> list[tuple[str, int, str, list[str]]]:
    return [(s["path"], s["seed"], s["status"], [f["title"] for f in s["findings"]])
            for s in report["scenarios"]]


def test_a_real_cluster_and_local_2_report_what_jobs_2_reports(
        dask_cluster: Cluster, tmp_path: Path) -> None:
    mixed_suite(tmp_path)
    code, local = run(tmp_path, "--jobs", "2")
    assert code == 4
    status = {Path(r[0]).stem.split(".")[0]: r[2] for r in rows(local)}
    assert status == {"fail": "fail", "hang": "timeout", "host": "pass", "killer": "crash",
                      "ok0": "pass", "ok1": "pass", "ok2": "pass", "ok3": "pass"}
    for address in (dask_cluster.address, "local:2"):
        code, remote = run(tmp_path, "--dask", address)
        assert code == 4, remote
        assert rows(remote) == rows(local)
        crash = next(s for s in remote["scenarios"] if s["status"] == "crash")
        assert "tests/killer.fozzy.json" in crash["findings"][0]["message"]
        assert "SIGKILL" in crash["findings"][0]["message"]
        assert gone(leftovers()) == []
    assert dask_cluster.alive()  # the Dask workers survived


def test_killing_a_dask_worker_mid_suite_still_reports_every_scenario(
        dask_cluster: Cluster, tmp_path: Path) -> None:
    count = 24
    for i in range(count):
        scenario(tmp_path, f"nap{i:02}", [{"type": "sleep", "duration": "250ms"},
                                          {"type": "rand_u64", "key": "r"}])
    proc = subprocess.Popen(
        [*FOZZY, "test", "--seed", "3", "--dask", dask_cluster.address],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # one scenario done: the cluster is busy with the rest
    if first.startswith("dask      dashboard"):  # the human-mode link comes first
        first = proc.stderr.readline()
    assert first.startswith("PASS"), first
    victims = dask_cluster.kill_worker(0)
    out, err = proc.communicate(timeout=180)
    assert gone(victims) == []
    assert proc.returncode == 0, out + err
    [path] = (tmp_path / ".fozzy" / "runs").glob("*/report.json")
    report = json.loads(path.read_text())
    assert [s["status"] for s in report["scenarios"]] == ["pass"] * count
    dask_cluster.workers[0] = dask_cluster.start_worker()


def test_an_unreachable_scheduler_is_an_argument_error_within_the_timeout() -> None:
    from fozzy.errors import ArgumentError
    from fozzy.executor.dask import DaskExecutor

    address = f"tcp://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    with pytest.raises(ArgumentError, match="cannot reach the Dask scheduler within 2 s") as e:
        DaskExecutor(address, connect_timeout_s=2)
    assert time.monotonic() - t0 < 30  # bounded, not Dask's own retry-forever default
    assert "\n" not in e.value.message


def test_a_tls_address_without_a_security_config_is_one_line(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", [{"type": "trace_event", "name": "x"}])
    proc = subprocess.run([*FOZZY, "test", "--dask", f"tls://127.0.0.1:{free_port()}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert "--dask tls://" in line and "Traceback" not in proc.stderr
