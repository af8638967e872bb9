"""`fozzy ci` through the real command: every check passes on good input and each fails,
by name, on input crafted to break it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FOZZY = [sys.executable, "-m", "fozzy"]

FAST: list[dict[str, Any]] = [
    {"type": "sleep", "duration": "5ms"},
    {"type": "set_kv", "key": "k", "value": "v"},
    {"type": "get_kv_assert", "key": "k", "equals": "v"},
]
SLOW: list[dict[str, Any]] = [{**FAST[0], "duration": "50ms"}, *FAST[1:]]
FAILING: list[dict[str, Any]] = [
    {"type": "set_kv", "key": "k", "value": "v"},
    {"type": "get_kv_assert", "key": "k", "equals": "w"},
]
BASE_CHECKS = ["trace_verify", "replay_outcome", "replay_warning_parity",
               "replay_memory_parity", "strict_warning_policy", "artifacts_integrity"]


def fozzy(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FOZZY, *args], cwd=tmp, capture_output=True, text=True,
                          timeout=180, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)})


def scenario(tmp: Path, name: str, steps: list[dict[str, Any]]) -> str:
    (tmp / f"{name}.fozzy.json").write_text(
        json.dumps({"version": 1, "name": name, "steps": steps}))
    return f"{name}.fozzy.json"


def record(tmp: Path, name: str, steps: list[dict[str, Any]], *extra: str) -> str:
    path = scenario(tmp, name, steps)
    fozzy(tmp, "test", path, "--det", "--seed", "3", "--record", f"{name}.fozzy", *extra)
    assert (tmp / f"{name}.fozzy").is_file()
    return f"{name}.fozzy"


def run_id(tmp: Path, name: str) -> str:
    proc = fozzy(tmp, "--json", "run", f"{name}.fozzy.json", "--det", "--seed", "3")
    return str(json.loads(proc.stdout)["identity"]["runId"])


def ci(tmp: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = fozzy(tmp, "--json", "ci", *args)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def verdicts(report: dict[str, Any]) -> dict[str, bool]:
    return {c["name"]: c["ok"] for c in report["checks"]}


def failed(report: dict[str, Any]) -> list[str]:
    return [c["name"] for c in report["checks"] if not c["ok"]]


def runs_dir_entries(tmp: Path) -> list[str]:
    runs = tmp / ".fozzy" / "runs"
    return sorted(p.name for p in runs.iterdir()) if runs.is_dir() else []


@pytest.mark.parametrize("steps", [FAST, FAILING], ids=["passing", "failing"])
def test_good_trace_passes_every_check(tmp_path: Path, steps: list[dict[str, Any]]) -> None:
    trace = record(tmp_path, "t", steps)
    before = runs_dir_entries(tmp_path)
    alias_index = tmp_path / ".fozzy" / "run-alias-index.json"
    index_before = alias_index.read_bytes() if alias_index.exists() else None
    code, report = ci(tmp_path, trace)
    assert code == 0, report
    assert report["schemaVersion"] == "fozzy.ci_report.v1" and report["ok"] is True
    assert [c["name"] for c in report["checks"]] == BASE_CHECKS
    assert all(c["detail"] for c in report["checks"])
    outcome = report["checks"][1]["detail"]
    expected = "fail (assertion/get_kv_assert)" if steps is FAILING else "pass"
    assert outcome == f"expected={expected} got={expected}"
    # The verification replay is not a run: nothing new under runs/, `latest` unchanged.
    assert runs_dir_entries(tmp_path) == before
    assert (alias_index.read_bytes() if alias_index.exists() else None) == index_before


def test_corrupted_trace_fails_trace_verify(tmp_path: Path) -> None:
    trace = record(tmp_path, "t", FAST)
    path = tmp_path / trace
    path.write_text(path.read_text().replace('"value":"v"', '"value":"x"'))
    code, report = ci(tmp_path, trace)
    assert code == 1 and report["ok"] is False
    check = report["checks"][0]
    assert check["name"] == "trace_verify" and check["ok"] is False
    assert "checksum_valid=false" in check["detail"]
    # What needs the trace's contents says it did not run on an untrusted trace.
    assert "not run" in next(c for c in report["checks"]
                             if c["name"] == "replay_outcome")["detail"]


def test_unparseable_trace_fails_trace_verify(tmp_path: Path) -> None:
    (tmp_path / "junk.fozzy").write_text('{"format": "fozzy-trace", "vers')
    code, report = ci(tmp_path, "junk.fozzy")
    assert code == 1
    assert report["checks"][0]["name"] == "trace_verify"
    assert "failed to parse trace" in report["checks"][0]["detail"]


def test_missing_checksum_fails_only_in_strict_mode(tmp_path: Path) -> None:
    trace = record(tmp_path, "t", FAST)
    doc = json.loads((tmp_path / trace).read_text())
    del doc["checksum"]
    (tmp_path / trace).write_text(json.dumps(doc))
    code, report = ci(tmp_path, trace)
    assert code == 1 and failed(report) == ["trace_verify"]
    proc = fozzy(tmp_path, "--json", "--unsafe", "ci", trace)
    assert proc.returncode == 0, proc.stdout


def test_flaky_runs_over_budget_fail_the_flake_check(tmp_path: Path) -> None:
    trace = record(tmp_path, "t", FAST)
    scenario(tmp_path, "bad", FAILING)
    runs = [run_id(tmp_path, "t"), run_id(tmp_path, "bad"), run_id(tmp_path, "t")]
    flags = [arg for r in runs for arg in ("--flake-run", r)]
    code, report = ci(tmp_path, trace, *flags, "--flake-budget", "10")
    assert code == 1 and failed(report) == ["flake_budget"]
    assert "flake_rate_pct=33.33" in report["checks"][-1]["detail"]
    code, report = ci(tmp_path, trace, *flags, "--flake-budget", "40")
    assert code == 0 and verdicts(report)["flake_budget"] is True


def test_slower_than_baseline_fails_the_perf_check(tmp_path: Path) -> None:
    fast = record(tmp_path, "fast", FAST)
    slow = record(tmp_path, "slow", SLOW)
    code, report = ci(tmp_path, slow, "--perf-baseline", fast, "--max-p99-delta-pct", "25")
    assert code == 1 and failed(report) == ["perf_p99_budget"]
    detail = report["checks"][-1]["detail"]
    assert "baseline_p99_ms=5 current_p99_ms=50 delta_pct=900.00" in detail
    code, report = ci(tmp_path, fast, "--perf-baseline", slow, "--max-p99-delta-pct", "0")
    assert code == 0 and verdicts(report)["perf_p99_budget"] is True


def test_run_selector_verifies_the_run_directory(tmp_path: Path) -> None:
    scenario(tmp_path, "bad", FAILING)
    rid = run_id(tmp_path, "bad")
    code, report = ci(tmp_path, rid)
    assert code == 0, report
    assert "every manifest-listed file verified" in report["checks"][-1]["detail"]
    report_json = tmp_path / ".fozzy" / "runs" / rid / "report.json"
    report_json.write_text(report_json.read_text().replace('"fail"', '"pass"', 1))
    code, report = ci(tmp_path, rid)
    assert code == 1
    assert verdicts(report)["artifacts_integrity"] is False
    assert "changed after the run wrote it" in report["checks"][-1]["detail"]


@pytest.mark.parametrize(("args", "needle"), [
    (["--flake-budget", "5"], "--flake-budget requires at least two --flake-run"),
    (["--flake-run", "a", "--flake-run", "b"], "--flake-run needs --flake-budget"),
    (["--flake-run", "a", "--flake-run", "b", "--flake-budget", "nan"], "--flake-budget"),
    (["--perf-baseline", "t.fozzy"], "must be given together"),
    (["--max-p99-delta-pct", "5"], "must be given together"),
    (["--perf-baseline", "t.fozzy", "--max-p99-delta-pct", "-1"], "--max-p99-delta-pct"),
])
def test_flag_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    trace = record(tmp_path, "t", FAST)
    proc = fozzy(tmp_path, "--json", "ci", trace, *args)
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["status"] == "error" and needle in doc["message"]


def test_inputs_that_name_no_trace_are_errors(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", FAST)
    passing_run = run_id(tmp_path, "ok")  # a passing run keeps no trace
    for selector, needle in ((passing_run, "did not resolve to a direct trace"),
                             ("nope.fozzy", "trace path not found"),
                             ("no-such-run", "no run or trace found")):
        proc = fozzy(tmp_path, "--json", "ci", selector)
        assert proc.returncode == 2, selector
        assert needle in json.loads(proc.stdout)["message"]
