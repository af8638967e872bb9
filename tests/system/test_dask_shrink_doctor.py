"""`shrink --dask local:2` and `doctor --deep --dask local:2` on a real LocalCluster: the
candidates and audit repetitions run through the same executor seam, so the result is the
one the local pool gives (shrink's width is the cluster's thread count, 2, as with --jobs 2)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.clikit import WALL_CLOCK_STEPS as CLOCK
from tests.cli.clikit import fozzy_minimal_env as fozzy
from tests.cli.clikit import scenario

pytest.importorskip("distributed")


def failing_trace(tmp: Path) -> Path:
    """20 steps; step 15 fails only because of step 4's proc rule."""
    steps: list[dict[str, Any]] = [
        {"type": "set_kv", "key": f"k{i}", "value": "v" * (i + 1)} for i in range(20)]
    steps[4] = {"type": "proc_when", "cmd": "tool", "args": ["--check"], "exit_code": 3,
                "stdout": "not ready\n"}
    steps[15] = {"type": "proc_spawn", "cmd": "tool", "args": ["--check"], "expect_exit": 0}
    path = scenario(tmp, "fails", steps)
    out = tmp / "fails.fozzy"
    proc = fozzy(tmp, "test", path, "--det", "--seed", "5", "--record", str(out))
    assert out.is_file(), proc.stdout + proc.stderr
    return out


def shrunk_steps(tmp: Path, *args: str) -> tuple[dict[str, Any], list[Any]]:
    out = tmp / f"min-{len(list(tmp.iterdir()))}.fozzy"
    proc = fozzy(tmp, "--json", "shrink", "fails.fozzy", "--out", str(out), *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stats = json.loads(proc.stdout)["shrink"]
    header = json.loads(out.read_text().splitlines()[0])
    return stats, header.get("scenario", {}).get("steps") or header.get("steps") or []


def test_shrink_on_local_2_finds_the_reproducer_jobs_2_finds(tmp_path: Path) -> None:
    failing_trace(tmp_path)
    local_stats, local_steps = shrunk_steps(tmp_path, "--jobs", "2")
    # --jobs is ignored on a cluster: the width is the cluster's, and the stats say so.
    dask_stats, dask_steps = shrunk_steps(tmp_path, "--dask", "local:2", "--jobs", "1")
    assert dask_stats["shrunk"] == local_stats["shrunk"] == 2
    assert dask_stats["signature"] == local_stats["signature"]
    assert dask_steps == local_steps
    assert dask_stats["jobs"] == local_stats["jobs"] == 2
    assert dask_stats["daskWorkers"] == 2 and "daskWorkers" not in local_stats


def test_shrink_takes_the_address_from_fozzy_dask(tmp_path: Path) -> None:
    failing_trace(tmp_path)
    out = tmp_path / "env.fozzy"
    proc = fozzy(tmp_path, "--json", "shrink", "fails.fozzy", "--out", str(out),
                 env={"FOZZY_DASK": "local:2"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["shrink"]["shrunk"] == 2


def audit_of(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The audit of a doctor report, also from inside the strict-mode error a mismatch is."""
    doc = json.loads(proc.stdout)
    return dict(doc.get("report", doc)["determinismAudit"])


@pytest.mark.parametrize("steps, consistent", [
    ([{"type": "rand_u64", "key": "r"}, {"type": "set_kv", "key": "k", "value": "v"}], True),
    (CLOCK, False),
], ids=["deterministic", "wall-clock"])
def test_doctor_audit_on_local_2_reports_what_the_local_pool_reports(
        tmp_path: Path, steps: list[dict[str, Any]], consistent: bool) -> None:
    path = scenario(tmp_path, "audit", steps)
    args = ["--json", "--proc-backend", "host", "doctor", "--deep", "--scenario", path,
            "--runs", "3"]
    local = audit_of(fozzy(tmp_path, *args))
    remote = audit_of(fozzy(tmp_path, *args, "--dask", "local:2"))
    assert remote["consistent"] is local["consistent"] is consistent
    assert len(remote["signatures"]) == 3
    if consistent:  # identical repetitions did not collapse into one cached Dask result
        assert remote["signatures"] == local["signatures"]
    else:
        assert len(set(remote["signatures"])) > 1
