"""`fozzy explore` through the real command on the bundled distributed examples."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FOZZY = [sys.executable, "-m", "fozzy"]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "explore"


def fozzy(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FOZZY, *args], cwd=tmp, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)})


@pytest.fixture
def work(tmp_path: Path) -> Path:
    for name in ("replication-bug", "replication-ok"):
        shutil.copy(EXAMPLES / f"{name}.fozzy.json", tmp_path)
    return tmp_path


def explore_json(tmp: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = fozzy(tmp, "--json", "explore", *args)
    return proc.returncode, json.loads(proc.stdout)


def test_fifo_passes_the_buggy_scenario(work: Path) -> None:
    proc = fozzy(work, "explore", "replication-bug.fozzy.json", "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    assert "schedule=fifo schedules=1" in proc.stdout
    assert "exhausted=yes" in proc.stdout


@pytest.mark.parametrize("strategy", ["random", "pct", "coverage_guided", "bfs", "dfs"])
def test_other_strategies_find_the_lost_write_and_record_a_valid_trace(
    work: Path, strategy: str
) -> None:
    code, s = explore_json(work, "replication-bug.fozzy.json", "--schedule", strategy,
                           "--seed", "4")
    assert code == 1
    assert s["status"] == "fail"
    assert s["findings"][0]["kind"] == "invariant"
    assert s["findings"][0]["title"] == "kv_all_equal"
    trace = Path(s["identity"]["tracePath"])
    doc = json.loads(trace.read_text())
    assert doc["mode"] == "explore"
    assert doc["explore"]["schedule"] == strategy
    assert doc["explore"]["scenario"]["nodes"] == ["n0", "n1", "n2"]
    assert len(doc["decisions"]) == doc["explore"]["scheduleLength"]
    verify = fozzy(work, "trace", "verify", str(trace))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_shrink_records_the_shortest_violating_schedule(work: Path) -> None:
    proc = fozzy(work, "explore", "replication-bug.fozzy.json", "--schedule", "random",
                 "--seed", "9", "--shrink", "--record", "bug.fozzy")
    assert proc.returncode == 1
    assert "schedule step step step (shrunk from " in proc.stdout
    doc = json.loads((work / "bug.fozzy").read_text())
    assert doc["explore"]["choices"] == [0, 0, 0]
    assert doc["explore"]["shrunkFrom"] > 3


def test_correct_scenario_exhaustive_bfs_reports_distinct_states(work: Path) -> None:
    proc = fozzy(work, "explore", "replication-ok.fozzy.json", "--schedule", "bfs")
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("explore"))
    fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    assert fields["exhausted"] == "yes"
    assert int(fields["distinct_states"]) > 100
    shallow = fozzy(work, "explore", "replication-ok.fozzy.json", "--schedule", "bfs",
                    "--steps", "7")
    assert shallow.returncode == 0
    assert "exhausted=yes" in shallow.stdout


def test_outcome_does_not_depend_on_jobs(work: Path) -> None:
    runs = []
    for jobs in ("1", "2"):
        code, s = explore_json(work, "replication-bug.fozzy.json", "--schedule",
                               "coverage_guided", "--seed", "77", "--jobs", jobs,
                               "--record", f"j{jobs}.fozzy")
        doc = json.loads((work / f"j{jobs}.fozzy").read_text())
        runs.append((code, s["findings"], doc["decisions"], doc["explore"]["schedules"]))
    assert runs[0] == runs[1]


def test_pass_writes_a_trace_only_when_asked(work: Path) -> None:
    code, s = explore_json(work, "replication-ok.fozzy.json", "--schedule", "random",
                           "--schedules", "50", "--seed", "1")
    assert code == 0
    assert "tracePath" not in s["identity"]
    code, s = explore_json(work, "replication-ok.fozzy.json", "--record", "ok.fozzy")
    assert code == 0
    assert Path(s["identity"]["tracePath"]).name == "ok.fozzy"
    first = (work / "ok.fozzy").read_bytes()
    code, s = explore_json(work, "replication-ok.fozzy.json", "--record", "ok.fozzy")
    assert code == 0
    assert Path(s["identity"]["tracePath"]).name == "ok.1.fozzy"
    assert (work / "ok.fozzy").read_bytes() == first


def test_record_collision_default_is_append_like_every_mode(work: Path) -> None:
    """DECISIONS.md: `append` is the collision default for every mode, so a second explore
    recording to a taken name keeps the first trace and numbers the new one."""
    (work / "taken.fozzy").write_text("x")
    code, s = explore_json(work, "replication-bug.fozzy.json", "--schedule", "dfs",
                           "--record", "taken.fozzy")
    assert code == 1
    assert Path(s["identity"]["tracePath"]).name == "taken.1.fozzy"
    assert (work / "taken.fozzy").read_text() == "x"
    assert json.loads((work / "taken.1.fozzy").read_text())["mode"] == "explore"


def test_time_limit_on_an_unfinished_search_is_a_timeout(work: Path) -> None:
    code, s = explore_json(work, "replication-ok.fozzy.json", "--schedule", "random",
                           "--schedules", "100000000", "--time", "300ms", "--jobs", "1")
    assert code == 3
    assert s["status"] == "timeout"
    assert s["findings"][0]["title"] == "timeout"


def test_fault_file_turns_the_correct_scenario_into_a_finding(work: Path) -> None:
    (work / "faults.json").write_text(json.dumps({"faults": [
        {"type": "crash", "node": "c", "after_step": 6},
        {"type": "restart", "node": "c", "after_step": 6}]}))
    ok = fozzy(work, "explore", "replication-ok.fozzy.json", "--faults", "faults.json")
    assert ok.returncode == 0
    code, s = explore_json(work, "replication-ok.fozzy.json", "--faults", "faults.json",
                           "--schedule", "dfs")
    assert code == 1
    assert s["findings"][0]["kind"] == "invariant"


@pytest.mark.parametrize(("args", "needle"), [
    (["--faults", "bad.json"], "/faults/0/node: missing required field"),
    (["--faults", "chaos"], 'unknown fault preset or file "chaos"'),
    (["--checker", "kv_all_equal"], "must look like kv_all_equal:KEY"),
    (["--schedule", "sideways"], "--schedule must be one of"),
    (["--nodes", "3"], "--nodes applies only to scenarios that declare node_count"),
    (["--schedule", "bfs", "--schedules", "3"], "--schedules applies to"),
    (["--pct-depth", "2"], "--pct-depth applies only to --schedule pct"),
    (["--steps", "3"], "with --schedule fifo it would change nothing"),
    (["--schedule", "random", "--steps", "-1"], "--steps must be >= 0"),
    (["--time", "soon"], "--time"),
])
def test_bad_flags_are_one_line_errors_and_run_nothing(
    work: Path, args: list[str], needle: str
) -> None:
    (work / "bad.json").write_text(json.dumps({"faults": [{"type": "crash"}]}))
    proc = fozzy(work, "explore", "replication-ok.fozzy.json", *args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (work / ".fozzy" / "runs").exists()


def test_steps_scenario_is_pointed_to_run(work: Path) -> None:
    (work / "s.fozzy.json").write_text(json.dumps(
        {"version": 1, "name": "s", "steps": [{"type": "set_kv", "key": "k", "value": "v"}]}))
    code, s = explore_json(work, "s.fozzy.json")
    assert code == 2
    assert s["status"] == "error"
    assert "steps scenario" in s["message"]
    assert "fozzy run" in s["message"]


def test_nodes_override_resizes_node_count_scenarios(work: Path) -> None:
    code, _ = explore_json(work, "replication-bug.fozzy.json", "--nodes", "5", "--seed", "1")
    assert code == 0
    proc = fozzy(work, "explore", "replication-bug.fozzy.json", "--nodes", "2")
    assert proc.returncode == 2
    assert 'unknown node "n2"' in proc.stderr


def test_record_collision_error_fails_before_searching(work: Path) -> None:
    (work / "taken.fozzy").write_text("x")
    proc = fozzy(work, "explore", "replication-ok.fozzy.json", "--schedule", "bfs",
                 "--record", "taken.fozzy", "--record-collision", "error")
    assert proc.returncode == 2
    assert "record collision" in proc.stderr
    assert not (work / ".fozzy" / "runs").exists()
    assert (work / "taken.fozzy").read_text() == "x"


def test_json_summary_carries_the_explore_report(work: Path) -> None:
    code, doc = explore_json(work, "replication-ok.fozzy.json", "--schedule", "bfs")
    assert code == 0
    assert doc["explore"]["schedule"] == "bfs"
    assert doc["explore"]["distinctStates"] > 0
    report = json.loads(Path(doc["identity"]["reportPath"]).read_text())
    assert report["explore"] == doc["explore"]
