"""`fozzy test --profile-capture`, heap budgets on test and replay, through the real command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from tests.cli.clikit import error_of, fozzy, ok_json, scenario

ALLOC = [{"type": "memory_alloc", "bytes": 4096, "key": "a"},
         {"type": "memory_free", "key": "a"}]


def burner(tmp_path: Path, name: str, n: int) -> str:
    return scenario(tmp_path, name, [
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "proc_spawn", "cmd": sys.executable,
         "args": ["-c", f"s=0\nfor i in range({n}): s+=i"], "expect_exit": 0},
    ])


def run_dir(summary: dict[str, Any]) -> Path:
    return Path(summary["identity"]["artifactsDir"])


def test_full_capture_writes_suite_measurements_that_profile_top_reads(tmp_path: Path) -> None:
    burner(tmp_path, "a-light", 1_000)
    burner(tmp_path, "b-heavy", 3_000_000)
    done = ok_json(tmp_path, "--proc-backend", "host", "test", "*.fozzy.json", "--jobs", "2",
                   "--profile-capture", "full")
    doc = orjson.loads((run_dir(done) / "measurements.json").read_bytes())
    assert doc["schema"] == "fozzy.suite-measurements.v1"
    assert [(s["path"], s["name"], s["status"]) for s in doc["scenarios"]] == [
        ("a-light.fozzy.json", "a-light", "pass"), ("b-heavy.fozzy.json", "b-heavy", "pass")]
    assert [r["seed"] for r in done["scenarios"]] == [s["seed"] for s in doc["scenarios"]]
    assert [len(s["measurements"]["steps"]) for s in doc["scenarios"]] == [2, 2]
    listed = ok_json(tmp_path, "artifacts", "ls", done["identity"]["runId"])["entries"]
    assert {"kind": "profile", "path": str(run_dir(done) / "measurements.json")} in [
        {k: e[k] for k in ("kind", "path")} for e in listed]
    top = ok_json(tmp_path, "profile", "top", done["identity"]["runId"])
    assert top["cpu"][0]["stack"] == "scenario b-heavy;step[1] proc_spawn"
    assert top["cpu"][0]["hostCpuMs"] > top["cpu"][1]["hostCpuMs"] > 0
    assert {r["stack"] for r in top["cpu"]} == {
        f"scenario {n};step[{i}] {t}" for n in ("a-light", "b-heavy")
        for i, t in ((0, "set_kv"), (1, "proc_spawn"))}


def test_baseline_suite_is_trimmed_and_writes_no_measurements(tmp_path: Path) -> None:
    scenario(tmp_path, "s", ALLOC)
    done = ok_json(tmp_path, "test", "s.fozzy.json", "--profile-capture", "baseline")
    assert not (run_dir(done) / "measurements.json").exists()
    assert "measurements.json" not in (run_dir(done) / "manifest.json").read_text()


def test_recorded_scenarios_alone_are_measured_without_full_capture(tmp_path: Path) -> None:
    scenario(tmp_path, "s", ALLOC)
    done = ok_json(tmp_path, "test", "s.fozzy.json", "--record", "t.fozzy")
    doc = orjson.loads((run_dir(done) / "measurements.json").read_bytes())
    assert [s["name"] for s in doc["scenarios"]] == ["s"]


def test_bad_capture_value_on_test_is_a_usage_error(tmp_path: Path) -> None:
    scenario(tmp_path, "s", ALLOC)
    assert "--profile-capture must be baseline or full" in error_of(
        tmp_path, "test", "s.fozzy.json", "--profile-capture", "all")
    assert not (tmp_path / ".fozzy" / "runs").exists()


def test_heap_budget_applies_to_every_suite_scenario(tmp_path: Path) -> None:
    scenario(tmp_path, "big", ALLOC)
    scenario(tmp_path, "small", [{"type": "memory_alloc", "bytes": 10, "key": "a"},
                                 {"type": "memory_free", "key": "a"}])
    (tmp_path / "fozzy.toml").write_text("profile_heap_alloc_budget = 1000\n")
    assert "heap allocations 4096 bytes exceed profile_heap_alloc_budget 1000 bytes" in (
        error_of(tmp_path, "test", "*.fozzy.json", "--jobs", "2"))
    r = fozzy(tmp_path, "test", "*.fozzy.json", "--jobs", "2", "--unsafe", "--json")
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row["findings"] for row in orjson.loads(r.stdout)["scenarios"]}
    assert [f["title"] for f in rows["big"]] == ["heap_alloc_budget"]
    assert rows["small"] == []


def test_replay_of_a_run_with_budget_findings_does_not_drift(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", ALLOC)
    (tmp_path / "fozzy.toml").write_text("profile_heap_alloc_budget = 1000\n")
    r = fozzy(tmp_path, "run", path, "--det", "--unsafe", "--record", "t.fozzy", "--json")
    assert r.returncode == 0, r.stderr
    r = fozzy(tmp_path, "replay", "t.fozzy", "--unsafe", "--json")
    assert r.returncode == 0, r.stderr
    titles = [f["title"] for f in orjson.loads(r.stdout)["findings"]]
    assert titles == ["heap_alloc_budget"]
    assert "heap_alloc_budget" in error_of(tmp_path, "replay", "t.fozzy")


def test_budget_findings_are_not_drift_under_other_budgets_or_in_ci(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", ALLOC)
    (tmp_path / "fozzy.toml").write_text("profile_heap_alloc_budget = 1000\n")
    r = fozzy(tmp_path, "run", path, "--det", "--unsafe", "--record", "t.fozzy", "--json")
    assert r.returncode == 0, r.stderr
    (tmp_path / "fozzy.toml").unlink()
    replayed = ok_json(tmp_path, "replay", "t.fozzy")
    assert replayed["status"] == "pass" and "findings" not in replayed
    ci = fozzy(tmp_path, "ci", "t.fozzy", "--unsafe", "--json")
    checks = {c["name"]: c for c in orjson.loads(ci.stdout)["checks"]}
    assert checks["replay_outcome"]["ok"], checks
