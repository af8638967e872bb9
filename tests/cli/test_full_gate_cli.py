"""`fozzy full` and `fozzy gate` on real projects: fresh `init`, a failing primary, a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import psutil
import pytest

from tests import mapfixture as fx

#: Generous bound for one whole workflow on a loaded 2-core machine (the figure is in the
#: report, not asserted: see benchmarks for speed).
WORKFLOW_TIMEOUT_S = 300


def _fozzy(cwd: Path, *args: str) -> tuple[int, Any, str]:
    """Run fozzy with a private TMPDIR; returns (exit code, stdout JSON, stderr)."""
    tmpdir = cwd.parent / f"{cwd.name}-tmp"
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    r = subprocess.run([sys.executable, "-m", "fozzy", *args, "--json"], cwd=cwd,
                       capture_output=True, text=True, timeout=WORKFLOW_TIMEOUT_S, env=env,
                       check=False)
    assert "Traceback" not in r.stderr, r.stderr
    assert list(tmpdir.iterdir()) == [], "temp files left behind"
    return r.returncode, orjson.loads(r.stdout), r.stderr


def _steps(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in report["steps"]}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project") / "p"
    root.mkdir()
    r = subprocess.run([sys.executable, "-m", "fozzy", "init"], cwd=root, capture_output=True,
                       timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    return root


def _all_passed_or_explained(report: dict[str, Any]) -> None:
    for step in report["steps"]:
        assert step["status"] in ("passed", "skipped", "advisory"), step
        if step["status"] == "skipped":
            assert step["skipReason"] and step["unskip"], step


def test_full_passes_on_a_fresh_init(project: Path) -> None:
    before = sorted(p.name for p in project.iterdir())
    code, report, stderr = _fozzy(project, "full")
    assert code == 0, report
    assert report["schemaVersion"] == "fozzy.full_report.v1" and report["status"] == "pass"
    assert report["strict"] is True and report["unsafe_mode"] is False
    _all_passed_or_explained(report)
    steps = _steps(report)
    for name in ("usage", "init", "doctor_deep", "test_det", "run_record_trace", "trace_verify",
                 "replay", "ci", "artifacts_diff", "report_flaky", "memory_diff", "fuzz",
                 "corpus_import", "env", "profile_top", "profile_diff", "profile_explain"):
        assert steps[name]["status"] == "passed", steps[name]
    # no shrunk trace for a passing primary: the diff is against the replay, so must be stable
    assert "verdict=stable" in steps["profile_diff"]["detail"]
    assert "against=replay" in steps["profile_diff"]["detail"]
    assert report["shrinkClassification"] == "pass_required_policy"
    # `init` ran in a temp dir: the project is unchanged apart from its run artifacts
    assert sorted(p.name for p in project.iterdir()) == before
    events = [orjson.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    finished = [e["step"] for e in events if e["event"] == "step_finished"]
    assert finished == [s["name"] for s in report["steps"]]
    assert {e["schemaVersion"] for e in events} == {"fozzy.full_progress.v1"}


def test_full_over_the_whole_init_tree_runs_explore_and_host(project: Path) -> None:
    code, report, _ = _fozzy(project, "full", "--scenario-root", ".", "--required-steps",
                             "discover_scenarios,test_det,explore,host_backends_run")
    assert code == 0, report
    steps = _steps(report)
    assert steps["explore"]["status"] == "passed"
    assert "hostBackends=fs,http,proc" in steps["host_backends_run"]["detail"]


def test_gate_targeted_passes_on_a_fresh_init(project: Path) -> None:
    code, report, _ = _fozzy(project, "gate", "--profile", "targeted", "--scope", "example")
    assert code == 0, report
    assert report["schemaVersion"] == "fozzy.gate_report.v1"
    assert report["matchedScenarios"] == ["tests/example.fozzy.json"]
    _all_passed_or_explained(report)
    steps = _steps(report)
    for name in ("ci", "profile_top", "profile_diff", "profile_explain"):
        assert steps[name]["status"] == "passed", steps[name]
    assert "verdict=stable" in steps["profile_diff"]["detail"]


def test_gate_fails_when_no_scenario_is_in_scope(project: Path) -> None:
    code, report, _ = _fozzy(project, "gate", "--scope", "nothing-here")
    assert code == 1
    steps = _steps(report)
    assert steps["scope_match"]["status"] == "failed"
    assert steps["test_det_strict"]["skipReason"] == "not run: no scenario matched --scope"


def _fuzz_runs(project: Path) -> int:
    runs = project / ".fozzy" / "runs"
    return sum(1 for d in runs.iterdir()
               if orjson.loads((d / "report.json").read_bytes()).get("mode") == "fuzz")


def test_skip_steps_fuzz_never_runs_it(project: Path) -> None:
    before = _fuzz_runs(project)
    code, report, _ = _fozzy(project, "full", "--fuzz-time", "10m", "--skip-steps", "fuzz",
                             "--required-steps", "discover_scenarios,fuzz,corpus_minimize")
    assert code == 0, report
    steps = _steps(report)
    assert steps["fuzz"]["skipReason"] == "skipped by skip-steps policy"
    assert steps["discover_scenarios"]["status"] == "passed"
    assert _fuzz_runs(project) == before


FAILING = {"version": 1, "name": "example", "steps": [
    {"type": "set_kv", "key": "a", "value": "1"},
    {"type": "assert_eq_int", "a": 1, "b": 2},
]}
TRACE_STEPS = "discover_scenarios,test_det,run_record_trace,trace_verify,replay,shrink," \
              "replay_shrunk"


def test_a_failing_primary_fails_full_at_the_deterministic_steps(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "example.fozzy.json").write_bytes(orjson.dumps(FAILING))
    code, report, _ = _fozzy(tmp_path, "full", "--required-steps", TRACE_STEPS)
    assert code == 1
    failed = [s["name"] for s in report["steps"] if s["status"] == "failed"]
    assert failed[:2] == ["test_det", "run_record_trace"]
    steps = _steps(report)
    assert "status fail != pass" in steps["run_record_trace"]["detail"]
    assert steps["replay"]["status"] == "passed"  # the failure replays as a failure
    assert report["shrinkClassification"] == "policy_rejected_non_pass"
    assert steps["shrink"]["status"] == "failed"

    code, report, _ = _fozzy(tmp_path, "full", "--required-steps", TRACE_STEPS,
                             "--allow-expected-failures")
    steps = _steps(report)
    assert report["shrinkClassification"] == "expected_fail_class_preserved"
    assert steps["shrink"]["status"] == "passed"
    assert steps["replay_shrunk"]["status"] == "passed"


SLOW = {"version": 1, "name": "slow", "steps": [
    {"type": "proc_spawn", "cmd": "sleep", "args": ["41.25"]},
]}


def _sleepers() -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline", "status"]):
        if p.info["status"] != psutil.STATUS_ZOMBIE and "41.25" in (p.info["cmdline"] or []):
            out.append(p)
    return out


def test_a_step_timeout_kills_what_it_started(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text('proc_backend = "host"\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "slow.fozzy.json").write_bytes(orjson.dumps(SLOW))
    code, report, _ = _fozzy(tmp_path, "full", "--step-timeout", "3s", "--required-steps",
                             "discover_scenarios,test_det,run_record_trace")
    assert code == 1
    steps = _steps(report)
    assert "timed out after 3s" in steps["test_det"]["detail"]
    assert "timed out" in steps["run_record_trace"]["skipReason"]
    end = time.monotonic() + 10
    while _sleepers() and time.monotonic() < end:
        time.sleep(0.1)
    assert _sleepers() == []
    assert any("--step-timeout" in g for g in report["guidance"])


def test_full_fails_topology_on_any_map_warning(tmp_path: Path) -> None:
    fx.build(tmp_path)
    code, report, _ = _fozzy(tmp_path, "full", "--require-topology-coverage", ".",
                             "--topology-min-risk", "0", "--required-steps", "topology_coverage")
    assert code == 1
    detail = _steps(report)["topology_coverage"]["detail"]
    assert "warning: 2 source file(s) could not be read" in detail
    assert "not valid scenarios" in detail


def test_topology_policy_conflict(tmp_path: Path) -> None:
    code, report, _ = _fozzy(tmp_path, "full", "--require-topology-coverage", ".",
                             "--skip-steps", "topology_coverage", "--required-steps", "usage")
    assert code == 1
    assert _steps(report)["policy_conflict"]["status"] == "failed"


def test_backend_flags_reach_every_step(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "echo.fozzy.json").write_bytes(orjson.dumps(
        {"version": 1, "name": "echo", "steps": [
            {"type": "proc_spawn", "cmd": "echo", "args": ["hi"], "expect_stdout": "hi\n"}]}))
    args = ("full", "--required-steps", "discover_scenarios,test_det")
    code, report, _ = _fozzy(tmp_path, *args)
    assert code == 1 and _steps(report)["test_det"]["status"] == "failed"
    code, report, _ = _fozzy(tmp_path, "--proc-backend", "host", *args)
    assert code == 0, report
