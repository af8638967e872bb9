"""Host process measurements: a real child that burns CPU shows up as CPU of that step, the
trace records it, and a replay (which runs no process) still passes."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from tests.cli.clikit import fozzy, ok_json, scenario

BURN = "s=0\nfor i in range(2_000_000): s+=i"


def test_host_cpu_and_rss_of_a_burning_child_are_recorded(tmp_path: Path) -> None:
    name = scenario(tmp_path, "burn", [
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "proc_spawn", "cmd": sys.executable, "args": ["-c", BURN], "expect_exit": 0},
    ])
    summary = ok_json(tmp_path, "--proc-backend", "host", "run", name, "--record", "t.fozzy")
    run_dir = Path(summary["identity"]["artifactsDir"])
    stored = orjson.loads((run_dir / "measurements.json").read_bytes())
    manifest = orjson.loads((run_dir / "manifest.json").read_bytes())
    assert "measurements.json" in [f["name"] for f in manifest["files"]]
    trace = orjson.loads((tmp_path / "t.fozzy").read_bytes())
    assert trace["measurements"] == stored
    spawn = stored["steps"][1]
    (child,) = spawn["host"]
    assert child["cmd"] == sys.executable
    assert child["userNs"] + child["sysNs"] > 10_000_000  # millions of additions take > 10 ms
    assert child["peakRssBytes"] > 1_000_000
    assert stored["totals"]["hostCpuNs"] == child["userNs"] + child["sysNs"]
    replayed = fozzy(tmp_path, "replay", "t.fozzy", "--json")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
