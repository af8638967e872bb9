"""The human-mode display of `--dask` runs on a real LocalCluster: the dashboard link once on
stderr (never on stdout, never with --json), and on a TTY stderr the live Dask worker count
with items done/total, in test's own bar and in the cluster bar of the other commands."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")

FOZZY = [sys.executable, "-m", "fozzy"]
ENV_KEEP = {"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "COLUMNS": "160"}


def suite(tmp: Path, count: int = 6) -> None:
    for i in range(count):
        (tmp / "tests").mkdir(exist_ok=True)
        (tmp / "tests" / f"s{i}.fozzy.json").write_text(json.dumps({
            "version": 1, "name": f"s{i}",
            "steps": [{"type": "sleep", "duration": "200ms"},
                      {"type": "trace_event", "name": "x"}]}))


def run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FOZZY, *args], cwd=tmp, capture_output=True, text=True, timeout=300,
                          env={**ENV_KEEP, "HOME": str(tmp)}, check=False)


def run_on_tty_stderr(tmp: Path, *args: str) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (stdout a pipe); what each side got."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([*FOZZY, *args], cwd=tmp, stdout=subprocess.PIPE, stderr=slave,
                            stdin=subprocess.DEVNULL, env={**ENV_KEEP, "HOME": str(tmp)})
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    code = proc.wait(timeout=300)
    os.close(master)
    return code, out, b"".join(chunks).decode(errors="replace")


def test_human_mode_prints_the_dashboard_link_once_on_stderr(tmp_path: Path) -> None:
    suite(tmp_path)
    proc = run(tmp_path, "test", "--dask", "local:2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    links = [line for line in proc.stderr.splitlines() if "dashboard" in line]
    assert len(links) == 1 and "http://" in links[0], proc.stderr
    assert "dashboard" not in proc.stdout


def test_json_mode_prints_no_link_and_no_progress(tmp_path: Path) -> None:
    suite(tmp_path)
    proc = run(tmp_path, "--json", "test", "--dask", "local:2")
    doc: dict[str, Any] = json.loads(proc.stdout)
    assert doc["tests"] == {"passed": 6, "failed": 0, "skipped": 0}
    assert "dashboard" not in proc.stderr and "dashboard" not in proc.stdout
    assert "Dask worker" not in proc.stderr


def test_a_tty_shows_the_live_worker_count_in_the_test_bar(tmp_path: Path) -> None:
    suite(tmp_path)
    code, out, err = run_on_tty_stderr(tmp_path, "test", "--dask", "local:2")
    assert code == 0, out + err
    assert "2 Dask workers" in err and err.count("dashboard http://") == 1
    assert "Dask worker" not in out and "dashboard" not in out


def test_a_tty_shows_the_cluster_bar_for_shrink(tmp_path: Path) -> None:
    steps: list[dict[str, Any]] = [
        {"type": "set_kv", "key": f"k{i}", "value": "v"} for i in range(12)]
    steps[3] = {"type": "proc_when", "cmd": "tool", "args": [], "exit_code": 3}
    steps[9] = {"type": "proc_spawn", "cmd": "tool", "args": [], "expect_exit": 0}
    (tmp_path / "f.fozzy.json").write_text(json.dumps({"version": 1, "name": "f",
                                                       "steps": steps}))
    run(tmp_path, "test", "f.fozzy.json", "--det", "--record", "f.fozzy")
    assert (tmp_path / "f.fozzy").is_file()
    code, out, err = run_on_tty_stderr(tmp_path, "shrink", "f.fozzy", "--dask", "local:2")
    assert code == 0, out + err
    assert "dask" in err and "2 Dask workers" in err, err
    assert err.count("dashboard http://") == 1 and "dashboard" not in out


def _fuzz_target(tmp: Path) -> None:
    (tmp / "target.py").write_text("def check(data: bytes) -> None:\n    pass\n")


def test_a_tty_shows_workers_and_slices_in_the_fuzz_display(tmp_path: Path) -> None:
    _fuzz_target(tmp_path)
    code, out, err = run_on_tty_stderr(tmp_path, "fuzz", "fn:target.py:check", "--det",
                                       "--runs", "20000", "--dask", "local:2")
    assert code == 0, out + err
    assert "2 Dask workers, slices " in err, err
    assert err.count("dashboard http://") == 1 and "Dask worker" not in out


def test_plain_fuzz_progress_lines_carry_the_cluster_text(tmp_path: Path) -> None:
    _fuzz_target(tmp_path)
    proc = run(tmp_path, "fuzz", "fn:target.py:check", "--det", "--runs", "20000",
               "--dask", "local:2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    progress = [line for line in proc.stderr.splitlines() if line.startswith("fuzz execs=")]
    assert progress and all("dask=2 Dask workers, slices " in line for line in progress), (
        proc.stderr)
    plain = run(tmp_path, "fuzz", "fn:target.py:check", "--det", "--runs", "2000")
    assert "dask=" not in plain.stderr
