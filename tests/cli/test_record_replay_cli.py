"""record → verify → replay through the real commands, for every example step scenario."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from fozzy.trace.checksum import seal

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.fozzy.json"))


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )


def doc_of(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    value = json.loads(proc.stdout)
    assert isinstance(value, dict), proc.stdout
    return value


def load(path: Path | str) -> dict[str, Any]:
    value = orjson.loads(Path(path).read_bytes())
    assert isinstance(value, dict)
    return value


def reseal(path: Path, doc: dict[str, Any]) -> None:
    """Write an edited trace with a fresh, valid checksum (so only the edit is under test)."""
    path.write_bytes(seal({k: v for k, v in doc.items() if k != "checksum"})[0])


def test_examples_exist() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES)
def test_record_verify_replay_round_trip(tmp_path: Path, example: str) -> None:
    shutil.copy(ROOT / "examples" / example, tmp_path / example)
    rec = fozzy(tmp_path, "--json", "run", example, "--det", "--seed", "7",
                "--record", "t.fozzy", "--unsafe")
    assert rec.returncode in (0, 1), rec.stdout + rec.stderr
    summary = doc_of(rec)
    trace_path = tmp_path / "t.fozzy"
    assert summary["identity"]["tracePath"] == str(trace_path)
    trace = load(trace_path)
    assert trace["summary"] == summary
    assert trace["summary"] == load(summary["identity"]["reportPath"])

    verify = fozzy(tmp_path, "--json", "trace", "verify", "t.fozzy")
    assert verify.returncode == 0 and doc_of(verify)["ok"] is True

    rep = fozzy(tmp_path, "--json", "--unsafe", "replay", "t.fozzy", "--dump-events")
    assert rep.returncode == rec.returncode, rep.stdout + rep.stderr
    replayed = doc_of(rep)
    assert (replayed["mode"], replayed["status"]) == ("replay", summary["status"])
    assert replayed["identity"]["seed"] == 7
    assert replayed["identity"]["tracePath"] == str(trace_path)
    assert replayed["identity"]["runId"] != summary["identity"]["runId"]
    events = orjson.loads((Path(replayed["identity"]["artifactsDir"]) / "events.json").read_bytes())
    assert events == trace["events"]
    assert [json.loads(line) for line in rep.stderr.splitlines()] == trace["events"]
    assert replayed.get("findings", []) == summary.get("findings", [])
    # replay never writes a trace
    assert [p for p in tmp_path.rglob("*.fozzy") if p.is_file()] == [trace_path]


SCENARIO: dict[str, Any] = {"version": 1, "name": "rt", "steps": [
    {"type": "trace_event", "name": "setup", "fields": {}},
    {"type": "rand_u64", "key": "r"},
    {"type": "sleep", "duration": "10ms"},
    {"type": "set_kv", "key": "k", "value": "v"},
]}


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    (tmp_path / "s.fozzy.json").write_text(json.dumps(SCENARIO))
    proc = fozzy(tmp_path, "run", "s.fozzy.json", "--det", "--seed", "9", "--record", "t.fozzy")
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "t.fozzy"


def test_append_policy_and_embedded_path(recorded: Path) -> None:
    cwd = recorded.parent
    again = fozzy(cwd, "--json", "run", "s.fozzy.json", "--det", "--seed", "9",
                  "--record", "t.fozzy")
    printed = doc_of(again)["identity"]["tracePath"]
    assert printed == str(cwd / "t.1.fozzy")
    assert load(printed)["summary"]["identity"]["tracePath"] == printed
    # same seed, same scenario: the same decisions
    assert load(printed)["decisions"] == load(recorded)["decisions"]


def test_error_policy_fails_before_running(recorded: Path) -> None:
    cwd = recorded.parent
    runs_before = sorted((cwd / ".fozzy" / "runs").iterdir())
    before = recorded.read_bytes()
    proc = fozzy(cwd, "--json", "run", "s.fozzy.json", "--det", "--record", "t.fozzy",
                 "--record-collision", "error")
    assert proc.returncode == 2
    assert "record collision" in doc_of(proc)["message"]
    assert sorted((cwd / ".fozzy" / "runs").iterdir()) == runs_before
    assert recorded.read_bytes() == before
    assert not (cwd / "t.fozzy.lock").exists()
    bad = fozzy(cwd, "run", "s.fozzy.json", "--record", "x.fozzy", "--record-collision", "keep")
    assert bad.returncode == 2 and "--record-collision must be one of" in bad.stderr


def test_failing_run_without_record_writes_a_replayable_run_dir_trace(tmp_path: Path) -> None:
    failing = {**SCENARIO, "steps": [*SCENARIO["steps"], {"type": "fail", "message": "boom"}]}
    (tmp_path / "f.fozzy.json").write_text(json.dumps(failing))
    proc = fozzy(tmp_path, "--json", "run", "f.fozzy.json", "--det", "--seed", "1")
    assert proc.returncode == 1
    summary = doc_of(proc)
    trace = Path(summary["identity"]["tracePath"])
    assert trace == Path(summary["identity"]["artifactsDir"]) / "trace.fozzy"
    rep = fozzy(tmp_path, "--json", "replay", str(trace))
    assert rep.returncode == 1
    assert doc_of(rep)["findings"] == summary["findings"]
    passing = fozzy(tmp_path, "--json", "run", "f.fozzy.json", "--det", "--seed", "1")
    assert "tracePath" in doc_of(passing)["identity"]  # still failing, so still recorded
    (tmp_path / "p.fozzy.json").write_text(json.dumps(SCENARIO))
    ok = fozzy(tmp_path, "--json", "run", "p.fozzy.json", "--det")
    assert "tracePath" not in doc_of(ok)["identity"]


def test_value_drift_fails_with_a_finding(recorded: Path) -> None:
    doc = load(recorded)
    for d in doc["decisions"]:
        if d["kind"] == "rand_u64":
            d["value"] = d["value"] ^ 1
    reseal(recorded, doc)
    proc = fozzy(recorded.parent, "--json", "replay", "t.fozzy")
    assert proc.returncode == 1
    (finding,) = doc_of(proc)["findings"]
    assert (finding["kind"], finding["title"]) == ("checker", "replay_drift")
    assert finding["location"] == {"file": "s.fozzy.json"}


def test_structural_drift_is_exit_2_naming_the_decision(recorded: Path) -> None:
    doc = load(recorded)
    doc["scenario"]["steps"][0], doc["scenario"]["steps"][1] = (
        doc["scenario"]["steps"][1], doc["scenario"]["steps"][0])
    reseal(recorded, doc)
    runs = recorded.parent / ".fozzy" / "runs"
    before = sorted(runs.iterdir())
    proc = fozzy(recorded.parent, "--json", "replay", "t.fozzy")
    assert proc.returncode == 2
    message = doc_of(proc)["message"]
    assert "replay drift at decision #1: expected SchedulerPick(task_id=1, label=rand_u64)" in (
        message)
    assert sorted(runs.iterdir()) == before  # no run directory for a drifted replay


def test_unused_decisions_fail(recorded: Path) -> None:
    doc = load(recorded)
    doc["decisions"].append({"kind": "rand_u64", "value": 1})
    reseal(recorded, doc)
    proc = fozzy(recorded.parent, "--json", "replay", "t.fozzy")
    assert proc.returncode == 1
    assert [f["title"] for f in doc_of(proc)["findings"]] == ["replay_unused_decisions"]


def test_tampered_trace_is_refused(recorded: Path) -> None:
    recorded.write_bytes(recorded.read_bytes().replace(b'"value":"v"', b'"value":"w"'))
    proc = fozzy(recorded.parent, "replay", "t.fozzy")
    assert proc.returncode == 2 and "trace checksum mismatch" in proc.stderr


def test_stale_schema_is_a_warning_that_strict_mode_refuses(recorded: Path) -> None:
    doc = load(recorded)
    doc["version"] = 3
    reseal(recorded, doc)
    strict = fozzy(recorded.parent, "--json", "replay", "t.fozzy")
    assert strict.returncode == 2
    assert "trace schema v3 is stale" in doc_of(strict)["message"]
    relaxed = fozzy(recorded.parent, "--json", "--unsafe", "replay", "t.fozzy")
    assert relaxed.returncode == 0
    assert [f["title"] for f in doc_of(relaxed)["findings"]] == ["stale_trace_schema"]


def test_memory_summary_drift_is_reported(tmp_path: Path) -> None:
    steps = [{"type": "memory_alloc", "bytes": 64, "key": "b"},
             {"type": "memory_free", "key": "b"}]
    (tmp_path / "m.fozzy.json").write_text(json.dumps({"version": 1, "name": "m",
                                                       "steps": steps}))
    rec = fozzy(tmp_path, "run", "m.fozzy.json", "--det", "--mem-track", "--record", "m.fozzy")
    assert rec.returncode == 0, rec.stderr
    doc = load(tmp_path / "m.fozzy")
    doc["memory"]["summary"]["peakBytes"] += 1
    reseal(tmp_path / "m.fozzy", doc)
    proc = fozzy(tmp_path, "--json", "replay", "m.fozzy")
    assert proc.returncode == 1
    assert [f["title"] for f in doc_of(proc)["findings"]] == ["replay_memory_drift"]


def test_until_and_step(recorded: Path) -> None:
    proc = fozzy(recorded.parent, "--json", "replay", "t.fozzy", "--until", "0ms")
    assert proc.returncode == 3
    assert [(f["kind"], f["title"]) for f in doc_of(proc)["findings"]] == [("hang", "until")]
    stepped = fozzy(recorded.parent, "replay", "t.fozzy", "--step")
    assert stepped.returncode == 0
    assert stepped.stdout.splitlines()[:4] == [
        "step 1 trace_event ok at 0ms (+0ms)",
        "step 2 rand_u64 ok at 0ms (+0ms)",
        "step 3 sleep ok at 10ms (+10ms)",
        "step 4 set_kv ok at 10ms (+0ms)",
    ]
    bad = fozzy(recorded.parent, "replay", "t.fozzy", "--until", "5 s")
    assert bad.returncode == 2 and "--until" in bad.stderr


FUZZ_TRACE: dict[str, Any] = {
    "format": "fozzy-trace", "version": 4, "mode": "fuzz", "scenario_path": None,
    "scenario": None,
    "fuzz": {"target": "fn:planted:parse_header", "input_hex": b"FZ\x07\x80\xad\xde\0\0".hex()},
    "decisions": [], "events": [],
    "summary": {"status": "fail", "mode": "fuzz", "identity": {"seed": 1}},
}


def test_fuzz_fn_trace_reruns_the_recorded_input(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", tmp_path / "planted.py")
    reseal(tmp_path / "fz.fozzy", FUZZ_TRACE)
    proc = fozzy(tmp_path, "--json", "replay", "fz.fozzy")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (finding,) = doc_of(proc)["findings"]
    assert (finding["kind"], finding["title"]) == ("panic", "ValueError")
    harmless = {**FUZZ_TRACE, "fuzz": {**FUZZ_TRACE["fuzz"], "input_hex": "00"}}
    reseal(tmp_path / "ok.fozzy", harmless)
    drift = fozzy(tmp_path, "--json", "replay", "ok.fozzy")
    assert drift.returncode == 1
    assert [f["title"] for f in doc_of(drift)["findings"]] == ["replay_drift"]
    step = fozzy(tmp_path, "replay", "fz.fozzy", "--step")
    assert step.returncode == 2 and "apply to steps traces" in step.stderr


def test_explore_trace_replays_its_schedule(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "explore" / "replication-bug.fozzy.json", tmp_path / "r.json")
    rec = fozzy(tmp_path, "--json", "explore", "r.json", "--schedule", "dfs",
                "--record", "e.fozzy")
    assert rec.returncode == 1, rec.stdout + rec.stderr
    recorded = doc_of(rec)
    proc = fozzy(tmp_path, "--json", "replay", "e.fozzy")
    assert proc.returncode == 1
    replayed = doc_of(proc)
    assert replayed["findings"] == recorded["findings"]
    doc = load(tmp_path / "e.fozzy")
    doc["decisions"] = doc["decisions"][:-1]
    reseal(tmp_path / "e.fozzy", doc)
    drift = fozzy(tmp_path, "--json", "replay", "e.fozzy")
    assert drift.returncode == 1
    assert "replay_drift" in [f["title"] for f in doc_of(drift)["findings"]]


def test_traces_that_cannot_replay(tmp_path: Path) -> None:
    base = {**FUZZ_TRACE, "fuzz": {"target": "fn:nomodule_here:f", "input_hex": "00"}}
    reseal(tmp_path / "fz.fozzy", base)
    proc = fozzy(tmp_path, "replay", "fz.fozzy", "--trust-target")
    assert proc.returncode == 2 and "could not replay fuzz trace" in proc.stderr
    reseal(tmp_path / "ns.fozzy", {**base, "fuzz": None})
    proc = fozzy(tmp_path, "replay", "ns.fozzy")
    assert proc.returncode == 2 and "trace missing embedded scenario" in proc.stderr
    bad_steps = {**base, "fuzz": None, "mode": "run",
                 "scenario": {"version": 1, "name": "x", "steps": [{"type": "nope"}]}}
    reseal(tmp_path / "bs.fozzy", bad_steps)
    proc = fozzy(tmp_path, "replay", "bs.fozzy")
    assert proc.returncode == 2 and "invalid embedded scenario" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_crashed_worker_trace_names_the_crash_not_a_drift(tmp_path: Path) -> None:
    """A worker killed mid-scenario returns no decisions, so its trace's log ends at the
    crash; replay refuses it (exit 2) by naming the crash rather than "drift at step 0"."""
    steps = [{"type": "set_kv", "key": "a", "value": "1"},
             {"type": "proc_spawn", "cmd": "sh", "args": ["-c", "kill -9 $PPID"]}]
    (tmp_path / "boom.fozzy.json").write_text(
        json.dumps({"version": 1, "name": "boom", "steps": steps}))
    run = fozzy(tmp_path, "--json", "--proc-backend", "host", "run", "boom.fozzy.json")
    assert run.returncode == 4, run.stdout + run.stderr
    summary = doc_of(run)
    assert summary["status"] == "crash"
    assert summary["findings"][0]["title"] == "worker_crash"
    trace = Path(summary["identity"]["tracePath"])
    runs = set((tmp_path / ".fozzy" / "runs").iterdir())
    proc = fozzy(tmp_path, "replay", str(trace))
    assert proc.returncode == 2
    assert "crashed its worker (status crash, worker_crash:" in proc.stderr
    assert "killed by SIGKILL" in proc.stderr
    assert "decision log ends at the crash (0 decisions recorded)" in proc.stderr
    assert "drift" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert set((tmp_path / ".fozzy" / "runs").iterdir()) == runs
    gate = fozzy(tmp_path, "--json", "ci", str(trace))
    assert gate.returncode == 1
    outcome = next(c for c in doc_of(gate)["checks"] if c["name"] == "replay_outcome")
    assert "crashed its worker" in outcome["detail"] and "drift" not in outcome["detail"]
