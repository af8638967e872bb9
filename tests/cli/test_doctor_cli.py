"""`fozzy doctor` through the real command: environment report and the determinism audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.clikit import WALL_CLOCK_STEPS as CLOCK
from tests.cli.clikit import fozzy_minimal_env as fozzy
from tests.cli.clikit import scenario

DETERMINISTIC: list[dict[str, Any]] = [
    {"type": "rand_u64", "key": "r"},
    {"type": "sleep", "duration": "20ms"},
    {"type": "set_kv", "key": "k", "value": "v"},
    {"type": "memory_alloc", "bytes": 4096, "key": "buf"},
    {"type": "proc_when", "cmd": "git", "args": ["rev-parse", "HEAD"], "exit_code": 0,
     "stdout": "abc\n"},
    {"type": "proc_spawn", "cmd": "git", "args": ["rev-parse", "HEAD"], "expect_exit": 0},
    {"type": "memory_free", "key": "buf"},
]


def test_environment_report_is_camel_case_and_passes(tmp_path: Path) -> None:
    proc = fozzy(tmp_path, "--json", "doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert list(doc) == ["ok", "checks", "issues", "nondeterminismSignals"]
    assert doc["ok"] is True and doc["issues"] == []
    names = [c["name"] for c in doc["checks"]]
    assert names == ["python", "fozzy", "config", "baseDir", "cpus", "workerPool"]
    assert all(c["ok"] for c in doc["checks"])
    assert not (tmp_path / ".fozzy" / "runs").exists()  # doctor writes no run directory


def test_env_signals_are_informational(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text('proc_backend = "host"\n')
    proc = fozzy(tmp_path, "--json", "doctor", env={"TZ": "Europe/Paris"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True
    sources = [s["source"] for s in doc["nondeterminismSignals"]]
    assert sources == ["env", "config"]
    assert "TZ=Europe/Paris" in doc["nondeterminismSignals"][0]["detail"]


def test_deterministic_scenario_is_consistent_across_five_runs(tmp_path: Path) -> None:
    path = scenario(tmp_path, "det", DETERMINISTIC)
    proc = fozzy(tmp_path, "--json", "doctor", "--deep", "--scenario", path, "--runs", "5",
                 "--seed", "42")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    audit = json.loads(proc.stdout)["determinismAudit"]
    assert (audit["runs"], audit["seed"], audit["consistent"], audit["status"]) == (
        5, 42, True, "pass")
    assert len(audit["signatures"]) == 5 and len(set(audit["signatures"])) == 1
    assert "firstMismatchRun" not in audit


def test_planted_clock_read_is_detected_and_named(tmp_path: Path) -> None:
    path = scenario(tmp_path, "clock", CLOCK)
    proc = fozzy(tmp_path, "--json", "--proc-backend", "host", "doctor", "--deep",
                 "--scenario", path)
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)  # one document: the strict error with the report inside
    assert doc["status"] == "error" and "determinism_audit_mismatch" in doc["message"]
    report = doc["report"]
    assert report["ok"] is False
    audit = report["determinismAudit"]
    assert audit["consistent"] is False and audit["backends"]["proc"] == "host"
    assert audit["firstMismatchRun"] == 2
    diff = audit["firstDifference"]
    assert diff["stream"] == "events"
    assert diff["expected"]["name"] == diff["got"]["name"] == "proc_spawn"
    assert diff["expected"]["fields"]["stdout"] != diff["got"]["fields"]["stdout"]
    issue = report["issues"][0]
    assert issue["code"] == "determinism_audit_mismatch"
    assert f"events[{diff['index']}]" in issue["message"]

    relaxed = fozzy(tmp_path, "--json", "--unsafe", "--proc-backend", "host", "doctor",
                    "--deep", "--scenario", path)
    assert relaxed.returncode == 0
    assert json.loads(relaxed.stdout)["determinismAudit"]["consistent"] is False


def test_unmatched_proc_is_a_preflight_issue_with_a_suggested_rule(tmp_path: Path) -> None:
    path = scenario(tmp_path, "clock", CLOCK)
    proc = fozzy(tmp_path, "--json", "--unsafe", "doctor", "--deep", "--scenario", path)
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    assert report["ok"] is False
    assert report["determinismAudit"]["consistent"] is True
    issue = report["issues"][0]
    assert issue["code"] == "proc_unmatched_preflight"
    assert issue["details"]["suggestedProcWhen"]["cmd"] == "date"
    human = fozzy(tmp_path, "doctor", "--deep", "--scenario", path)
    assert human.returncode == 2
    assert "proc_unmatched_preflight" in human.stdout
    assert "strict mode: doctor found issues: proc_unmatched_preflight" in human.stderr


def test_usage_errors(tmp_path: Path) -> None:
    path = scenario(tmp_path, "det", DETERMINISTIC)
    for args, needle in (
        (["--deep"], "--deep needs --scenario"),
        (["--scenario", path], "--scenario is only used by the --deep"),
        (["--deep", "--scenario", path, "--runs", "1"], "--runs must be at least 2"),
        (["--deep", "--scenario", "missing.fozzy.json"], "missing.fozzy.json"),
        (["--deep", "--scenario", path, "--seed", "-3"], "--seed"),
    ):
        proc = fozzy(tmp_path, "--json", "doctor", *args)
        assert proc.returncode == 2, args
        doc = json.loads(proc.stdout)
        assert doc["status"] == "error" and needle in doc["message"], (args, doc)
        assert "Traceback" not in proc.stderr
