"""`fozzy test` on suites big enough for the fast paths (files loaded in batches on the pool,
several jobs queued per worker): same report for any --jobs, and bad files still stop
everything before anything runs, with the same error as a serial load would give."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FOZZY = [sys.executable, "-m", "fozzy"]
COUNT = 400


def scenario(i: int) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [{"type": "rand_u64", "key": "r"},
                                   {"type": "set_kv", "key": "k", "value": str(i)}]
    equals = str(i) if i % 7 else "other"  # every seventh scenario fails
    steps.append({"type": "get_kv_assert", "key": "k", "equals": equals})
    return {"version": 1, "name": f"s{i}", "steps": steps}


def write_suite(tmp: Path) -> None:
    for i in range(COUNT):
        d = tmp / "tests" / f"d{i % 9}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"s{i:03d}.fozzy.json").write_text(json.dumps(scenario(i)))


def fozzy(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FOZZY, *args], cwd=tmp, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)})


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    rows = [{k: v for k, v in r.items() if k != "durationMs"} for r in report["scenarios"]]
    return {"status": report["status"], "tests": report["tests"], "scenarios": rows}


def test_a_large_suite_reports_the_same_for_jobs_1_and_2(tmp_path: Path) -> None:
    write_suite(tmp_path)
    runs = [fozzy(tmp_path, "test", "--jobs", jobs, "--seed", "9", "--json")
            for jobs in ("1", "2")]
    assert [p.returncode for p in runs] == [1, 1]
    one, two = (comparable(json.loads(p.stdout)) for p in runs)
    assert one == two
    failing = sum(1 for i in range(COUNT) if i % 7 == 0)
    assert one["tests"] == {"passed": COUNT - failing, "failed": failing, "skipped": 0}
    assert len({r["seed"] for r in one["scenarios"]}) == COUNT


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_load_error_anywhere_wins_over_an_earlier_validation_error(
    tmp_path: Path, jobs: str
) -> None:
    write_suite(tmp_path)
    (tmp_path / "tests" / "d0" / "a_invalid.fozzy.json").write_text(json.dumps(
        {"version": 1, "name": "v", "steps": [{"type": "sleep", "duration": "5us"}]}))
    (tmp_path / "tests" / "d8" / "z_broken.fozzy.json").write_text('{"version": 1,')
    proc = fozzy(tmp_path, "test", "--jobs", jobs, "--json")
    assert proc.returncode == 2
    message = json.loads(proc.stdout)["message"]
    assert "tests/d8/z_broken.fozzy.json" in message and "invalid JSON" in message
    assert not (tmp_path / ".fozzy" / "runs").exists()
    (tmp_path / "tests" / "d8" / "z_broken.fozzy.json").unlink()
    proc = fozzy(tmp_path, "test", "--jobs", jobs, "--json")
    assert proc.returncode == 2
    message = json.loads(proc.stdout)["message"]
    assert "tests/d0/a_invalid.fozzy.json" in message and "/steps/0/duration" in message
    assert not (tmp_path / ".fozzy" / "runs").exists()
