"""`fozzy test` through the real command: discovery, determinism across --jobs, skips,
fail-fast, timeouts, JUnit, per-scenario records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FOZZY = [sys.executable, "-m", "fozzy"]


def write(tmp: Path, rel: str, steps: list[dict[str, Any]] | None = None,
          doc: dict[str, Any] | None = None) -> str:
    path = tmp / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    name = Path(rel).name.split(".")[0]
    path.write_text(json.dumps(doc or {"version": 1, "name": name, "steps": steps or []}))
    return rel


def fozzy(tmp: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FOZZY, *args], cwd=tmp, capture_output=True, text=True, timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)},
    )


def run_suite(tmp: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = fozzy(tmp, "test", *args, "--json")
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


PASS = [{"type": "rand_u64", "key": "r"}, {"type": "sleep", "duration": "5ms"},
        {"type": "assert_eq_int", "a": 1, "b": 1}]
FAIL = [{"type": "set_kv", "key": "k", "value": "v"},
        {"type": "get_kv_assert", "key": "k", "equals": "w"}]


def suite(tmp: Path, n: int = 12) -> None:
    for i in range(n):
        write(tmp, f"tests/g{i % 3}/s{i:02d}.fozzy.json", FAIL if i % 4 == 3 else PASS)


def without_timings(report: dict[str, Any]) -> dict[str, Any]:
    rows = [{k: v for k, v in r.items() if k != "durationMs"} for r in report["scenarios"]]
    return {"status": report["status"], "tests": report["tests"], "scenarios": rows,
            "findings": report.get("findings")}


def test_report_is_identical_for_jobs_1_and_4(tmp_path: Path) -> None:
    suite(tmp_path)
    code1, r1 = run_suite(tmp_path, "--det", "--seed", "42", "--jobs", "1")
    code4, r4 = run_suite(tmp_path, "--det", "--seed", "42", "--jobs", "4")
    assert code1 == code4 == 1
    assert without_timings(r1) == without_timings(r4)
    assert r1["tests"] == {"passed": 9, "failed": 3, "skipped": 0}
    assert [r["path"] for r in r1["scenarios"]] == sorted(r["path"] for r in r1["scenarios"])


def test_seeds_do_not_change_when_a_scenario_is_added(tmp_path: Path) -> None:
    suite(tmp_path, 4)
    _, before = run_suite(tmp_path, "--det", "--seed", "5")
    write(tmp_path, "tests/aaa.fozzy.json", PASS)
    _, after = run_suite(tmp_path, "--det", "--seed", "5")
    seeds_before = {r["path"]: r["seed"] for r in before["scenarios"]}
    seeds_after = {r["path"]: r["seed"] for r in after["scenarios"]}
    assert all(seeds_after[p] == s for p, s in seeds_before.items())


def test_mixed_literal_and_glob_and_directory(tmp_path: Path) -> None:
    suite(tmp_path, 6)
    write(tmp_path, "other/x.fozzy.json", PASS)
    code, r = run_suite(tmp_path, "other/x.fozzy.json", "tests/g0/*.fozzy.json", "tests/g1")
    assert code == 1
    assert [s["path"] for s in r["scenarios"]] == [
        "other/x.fozzy.json", "tests/g0/s00.fozzy.json", "tests/g0/s03.fozzy.json",
        "tests/g1/s01.fozzy.json", "tests/g1/s04.fozzy.json",
    ]


def test_missing_explicit_path_fails_before_running(tmp_path: Path) -> None:
    suite(tmp_path, 3)
    proc = fozzy(tmp_path, "test", "tests/g0", "nope.fozzy.json", "--json")
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["status"] == "error" and "nope.fozzy.json" in doc["message"]
    assert not (tmp_path / ".fozzy" / "runs").exists()


def test_glob_with_no_match_is_an_error(tmp_path: Path) -> None:
    proc = fozzy(tmp_path, "test", "zzz/**/*.fozzy.json")
    assert proc.returncode == 2
    assert "no scenario files matched" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_filter_skips_and_no_match_is_an_error(tmp_path: Path) -> None:
    suite(tmp_path, 6)
    code, r = run_suite(tmp_path, "--filter", "g1/")
    assert code == 0
    assert r["tests"] == {"passed": 2, "failed": 0, "skipped": 4}
    skipped = [s for s in r["scenarios"] if s["status"] == "skipped"]
    assert all("filtered" in s["reason"] for s in skipped)
    proc = fozzy(tmp_path, "test", "--filter", "no-such-thing")
    assert proc.returncode == 2
    assert "no scenario would be executed" in proc.stderr


def test_fail_fast_reports_unreached_as_skipped(tmp_path: Path) -> None:
    write(tmp_path, "tests/a.fozzy.json", PASS)
    write(tmp_path, "tests/b.fozzy.json", FAIL)
    write(tmp_path, "tests/c.fozzy.json", PASS)
    code, r = run_suite(tmp_path, "--fail-fast", "--det", "--jobs", "4")
    assert code == 1
    assert [s["status"] for s in r["scenarios"]] == ["pass", "fail", "skipped"]
    assert r["tests"] == {"passed": 1, "failed": 1, "skipped": 1}


DISTRIBUTED = {"version": 1, "name": "d", "distributed": {
    "nodes": ["a", "b"], "steps": [{"type": "client_put", "node": "a", "key": "k", "value": "v"}],
    "invariants": []}}


def test_distributed_scenarios_need_explore_or_skip_flag(tmp_path: Path) -> None:
    write(tmp_path, "tests/a.fozzy.json", PASS)
    write(tmp_path, "tests/d.fozzy.json", doc=DISTRIBUTED)
    proc = fozzy(tmp_path, "test", "--json")
    assert proc.returncode == 2
    assert "fozzy explore" in json.loads(proc.stdout)["message"]
    assert not (tmp_path / ".fozzy" / "runs").exists()
    code, r = run_suite(tmp_path, "--skip-distributed")
    assert code == 0
    assert [s["status"] for s in r["scenarios"]] == ["pass", "skipped"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_any_invalid_file_aborts_before_running(tmp_path: Path, jobs: str) -> None:
    suite(tmp_path, 4)
    write(tmp_path, "tests/bad.fozzy.json", [{"type": "sleep", "duration": "5us"}])
    proc = fozzy(tmp_path, "test", "--jobs", jobs, "--json")
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert "tests/bad.fozzy.json" in doc["message"] and "/steps/0/duration" in doc["message"]
    assert not (tmp_path / ".fozzy" / "runs").exists()


def test_hung_scenario_times_out_and_the_rest_completes(tmp_path: Path) -> None:
    suite(tmp_path, 4)
    write(tmp_path, "tests/hang.fozzy.json", [{"type": "sleep", "duration": "1h"}])
    code, r = run_suite(tmp_path, "--timeout", "1s", "--jobs", "2")
    statuses = {s["path"]: s["status"] for s in r["scenarios"]}
    assert statuses.pop("tests/hang.fozzy.json") == "timeout"
    assert sorted(statuses.values()) == ["fail", "pass", "pass", "pass"]
    assert code == 3


def test_junit_has_one_testcase_per_scenario(tmp_path: Path) -> None:
    from junitparser import JUnitXml

    suite(tmp_path, 5)
    write(tmp_path, "tests/zz.fozzy.json", doc=DISTRIBUTED)
    code, r = run_suite(tmp_path, "--reporter", "junit", "--skip-distributed")
    xml = JUnitXml.fromfile(str(Path(r["identity"]["artifactsDir"]) / "junit.xml"))
    cases = [case for suite_ in ([xml] if xml._tag == "testsuite" else xml) for case in suite_]
    assert len(cases) == 6
    outcomes = {c.name: (c.result[0].__class__.__name__ if c.result else "pass") for c in cases}
    assert outcomes["tests/g0/s03.fozzy.json"] == "Failure"
    assert outcomes["tests/zz.fozzy.json"] == "Skipped"
    assert code == 1


def test_record_writes_one_verified_trace_per_scenario(tmp_path: Path) -> None:
    write(tmp_path, "tests/a.fozzy.json", PASS)
    write(tmp_path, "tests/b.fozzy.json", FAIL)
    code, r = run_suite(tmp_path, "--det", "--seed", "3", "--record", "out/run.fozzy")
    assert code == 1
    paths = [s["tracePath"] for s in r["scenarios"]]
    assert [Path(p).name for p in paths] == ["run.1-a.fozzy", "run.2-b.fozzy"]
    for p, row in zip(paths, r["scenarios"], strict=True):
        doc = json.loads(Path(p).read_text())
        assert doc["summary"]["identity"]["tracePath"] == p
        assert doc["summary"]["identity"]["seed"] == row["seed"]
        assert doc["summary"]["mode"] == "test"
        assert doc["backends"] == {"proc": "scripted", "fs": "virtual", "http": "scripted"}
        verify = fozzy(tmp_path, "trace", "verify", p, "--json")
        assert verify.returncode == 0, verify.stdout
    _, again = run_suite(tmp_path, "--det", "--seed", "3", "--record", "out/run.fozzy")
    assert [Path(s["tracePath"]).name for s in again["scenarios"]] == [
        "run.1-a.1.fozzy", "run.2-b.1.fozzy"]
    proc = fozzy(tmp_path, "test", "--record", "out/run.fozzy", "--record-collision", "error")
    assert proc.returncode == 2
    assert "record collision" in proc.stderr


def test_default_pattern_and_plain_progress_lines(tmp_path: Path) -> None:
    suite(tmp_path, 3)
    proc = fozzy(tmp_path, "test", "--det")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("PASS") == 3
    assert "fozzy test PASS" in proc.stdout
