"""`fozzy shrink` through the real command: steps, fn-fuzz and explore traces."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FOZZY = [sys.executable, "-m", "fozzy"]
ROOT = Path(__file__).resolve().parents[2]


def fozzy(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FOZZY, *args], cwd=tmp, capture_output=True, text=True,
                          timeout=180, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)})


def record(tmp: Path, name: str, steps: list[dict[str, Any]], seed: str = "5") -> Path:
    (tmp / f"{name}.fozzy.json").write_text(
        json.dumps({"version": 1, "name": name, "steps": steps}))
    out = tmp / f"{name}.fozzy"
    proc = fozzy(tmp, "test", f"{name}.fozzy.json", "--det", "--seed", seed, "--record",
                 str(out))
    assert out.is_file(), proc.stdout + proc.stderr
    return out


def shrink_json(tmp: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = fozzy(tmp, "--json", "shrink", *args)
    return proc.returncode, json.loads(proc.stdout)


def filler(i: int) -> dict[str, Any]:
    options: list[dict[str, Any]] = [
        {"type": "set_kv", "key": f"k{i}", "value": "v" * (i + 1)},
        {"type": "rand_u64", "key": f"r{i}"},
        {"type": "sleep", "duration": f"{i + 1}ms"},
        {"type": "trace_event", "name": f"e{i}", "fields": {"i": str(i)}},
    ]
    return options[i % 4]


PROC_RULE = {"type": "proc_when", "cmd": "tool", "args": ["--check"], "exit_code": 3,
             "stdout": "not ready\n"}
PROC_CALL = {"type": "proc_spawn", "cmd": "tool", "args": ["--check"], "expect_exit": 0}


def thirty_steps() -> list[dict[str, Any]]:
    """30 steps; step 24 fails (exit 3 ≠ 0) and needs step 7's rule to fail *that* way."""
    steps = [filler(i) for i in range(30)]
    steps[7] = PROC_RULE
    steps[24] = PROC_CALL
    return steps


def test_thirty_steps_shrink_to_the_failing_step_and_its_dependency(tmp_path: Path) -> None:
    trace = record(tmp_path, "thirty", thirty_steps())
    code, doc = shrink_json(tmp_path, str(trace), "--out", "min.fozzy", "--jobs", "2")
    assert code == 0
    assert doc["status"] == "fail"
    assert (doc["findings"][0]["kind"], doc["findings"][0]["title"]) == ("assertion",
                                                                          "proc_exit")
    stats = doc["shrink"]
    assert (stats["original"], stats["shrunk"], stats["unit"]) == (30, 2, "steps")
    assert stats["candidates"] > 0 and not stats["outOfBudget"]
    assert stats["signature"] == {"status": "fail", "kind": "assertion", "title": "proc_exit"}
    out = tmp_path / "min.fozzy"
    assert doc["identity"]["tracePath"] == str(out)
    shrunk = json.loads(out.read_text())
    assert [s["type"] for s in shrunk["scenario"]["steps"]] == ["proc_when", "proc_spawn"]
    assert shrunk["summary"]["identity"]["tracePath"] == str(out)

    verify = fozzy(tmp_path, "--json", "trace", "verify", str(out))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["ok"] is True
    replay = fozzy(tmp_path, "--json", "replay", str(out))
    assert replay.returncode == 1, replay.stdout + replay.stderr
    replayed = json.loads(replay.stdout)
    assert replayed["status"] == "fail"
    assert [(f["kind"], f["title"]) for f in replayed["findings"]] == [("assertion",
                                                                         "proc_exit")]


def test_a_failure_never_shrinks_into_another_failure(tmp_path: Path) -> None:
    """Without the rule, proc_spawn fails as proc_unmatched; without proc_spawn, the later
    `fail` step fails. A pass/non-pass shrinker would end at `[fail]`."""
    steps = [filler(i) for i in range(12)]
    steps[2] = PROC_RULE
    steps[6] = PROC_CALL
    steps.append({"type": "fail", "message": "a different bug"})
    trace = record(tmp_path, "two", steps)
    code, doc = shrink_json(tmp_path, str(trace), "--out", "two.min.fozzy")
    assert code == 0
    assert doc["findings"][0]["title"] == "proc_exit"
    kinds = [s["type"] for s in json.loads((tmp_path / "two.min.fozzy").read_text())
             ["scenario"]["steps"]]
    assert kinds == ["proc_when", "proc_spawn"]


def test_nested_steps_and_values_are_simplified(tmp_path: Path) -> None:
    steps: list[dict[str, Any]] = [
        {"type": "set_kv", "key": "mode", "value": "a-rather-long-value"},
        {"type": "assert_throws", "steps": [
            {"type": "trace_event", "name": "inside"},
            {"type": "fail", "message": "expected"},
        ]},
        {"type": "sleep", "duration": "750ms"},
        {"type": "get_kv_assert", "key": "mode", "equals": "b"},
    ]
    trace = record(tmp_path, "nested", steps)
    code, doc = shrink_json(tmp_path, str(trace))
    assert code == 0
    out = Path(doc["identity"]["tracePath"])
    assert out == tmp_path / "nested.min.fozzy"
    shrunk = json.loads(out.read_text())["scenario"]["steps"]
    assert [s["type"] for s in shrunk] == ["get_kv_assert"]
    assert doc["findings"][0]["title"] == "get_kv_assert"


def test_shrunk_scenario_does_not_depend_on_jobs(tmp_path: Path) -> None:
    trace = record(tmp_path, "thirty", thirty_steps())
    results = []
    for jobs in ("1", "2"):
        code, doc = shrink_json(tmp_path, str(trace), "--out", f"j{jobs}.fozzy", "--jobs", jobs)
        assert code == 0
        results.append((json.loads((tmp_path / f"j{jobs}.fozzy").read_text())["scenario"],
                        doc["shrink"]["candidates"]))
    assert results[0][0] == results[1][0]
    # Two workers may run a candidate a single worker never needs (the second of a wave
    # whose first already reproduces); one worker runs only what sequential ddmin runs.
    assert results[0][1] <= results[1][1]


def test_output_name_is_never_overwritten(tmp_path: Path) -> None:
    trace = record(tmp_path, "thirty", thirty_steps())
    _, first = shrink_json(tmp_path, str(trace))
    _, second = shrink_json(tmp_path, str(trace))
    assert first["identity"]["tracePath"] == str(tmp_path / "thirty.min.fozzy")
    assert second["identity"]["tracePath"] == str(tmp_path / "thirty.min.1.fozzy")


@pytest.mark.parametrize(("args", "needle"), [
    (["--minimize", "schedule"], "--minimize schedule does not apply to steps traces"),
    (["--minimize", "everything"], "--minimize must be one of"),
    (["--budget", "1m30s"], "--budget"),
    (["--jobs", "0"], "--jobs must be at least 1"),
])
def test_bad_flags_are_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    trace = record(tmp_path, "thirty", thirty_steps())
    proc = fozzy(tmp_path, "--json", "shrink", str(trace), *args)
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["status"] == "error" and needle in doc["message"]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "thirty.min.fozzy").exists()


def test_passing_missing_and_tampered_traces_are_errors(tmp_path: Path) -> None:
    ok = record(tmp_path, "ok", [{"type": "assert_eq_int", "a": 1, "b": 1}])
    proc = fozzy(tmp_path, "shrink", str(ok))
    assert proc.returncode == 2 and "no failure to shrink" in proc.stderr
    proc = fozzy(tmp_path, "shrink", "nope.fozzy")
    assert proc.returncode == 2 and "failed to read trace" in proc.stderr
    bad = record(tmp_path, "thirty", thirty_steps())
    bad.write_text(bad.read_text().replace('"exit_code":3', '"exit_code":4'))
    proc = fozzy(tmp_path, "shrink", str(bad))
    assert proc.returncode == 2 and "checksum mismatch" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_fn_fuzz_trace_is_minimised_over_input_bytes(tmp_path: Path) -> None:
    pkg = tmp_path / "examples" / "fuzz"
    pkg.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", pkg / "planted.py")
    crashing = b"FZ\x07\x80\xad\xde\x00\x00" + b"trailing junk" * 3
    make = (
        "import sys\n"
        "from fozzy.artifacts.summary import build_summary\n"
        "from fozzy.trace.model import build_trace\n"
        "from fozzy.trace.writer import resolve_target, write_trace\n"
        "s = build_summary(status='fail', mode='fuzz', run_id='r', seed=1, started_ns=0,"
        " wall_ns=0, findings=[{'kind': 'panic', 'title': 'ValueError', 'message': 'x'}])\n"
        "d = build_trace(mode='fuzz', scenario_path=None, scenario=None, decisions=[],"
        " events=[], summary=s, fuzz={'target': 'fn:examples.fuzz.planted:parse_header',"
        f" 'input_hex': '{crashing.hex()}'}})\n"
        "write_trace(resolve_target('crash.fozzy', 'overwrite'), d)\n"
    )
    subprocess.run([sys.executable, "-c", make], cwd=tmp_path, check=True, timeout=60)
    code, doc = shrink_json(tmp_path, "crash.fozzy", "--minimize", "input")
    assert code == 0, doc
    assert doc["mode"] == "fuzz"
    assert (doc["shrink"]["original"], doc["shrink"]["shrunk"]) == (len(crashing), 8)
    out = json.loads(Path(doc["identity"]["tracePath"]).read_text())
    assert bytes.fromhex(out["fuzz"]["input_hex"]) == crashing[:8]
    assert doc["findings"][0]["title"] == "ValueError"


@pytest.fixture
def explore_trace(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "examples" / "explore" / "replication-ok.fozzy.json", tmp_path)
    (tmp_path / "faults.json").write_text(json.dumps({"faults": [
        {"type": "tick", "duration": "5ms", "after_step": 1},
        {"type": "crash", "node": "c", "after_step": 6},
        {"type": "restart", "node": "c", "after_step": 6},
        {"type": "tick", "duration": "7ms", "after_step": 2}]}))
    proc = fozzy(tmp_path, "explore", "replication-ok.fozzy.json", "--faults", "faults.json",
                 "--schedule", "dfs", "--record", "bug.fozzy")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return tmp_path / "bug.fozzy"


def _fault_steps(trace: dict[str, Any]) -> list[str]:
    faults = ("partition", "heal", "crash", "restart", "tick")
    return [s["type"] for s in trace["explore"]["scenario"]["steps"] if s["type"] in faults]


def test_explore_faults_and_schedule_are_minimised(explore_trace: Path) -> None:
    tmp = explore_trace.parent
    original = json.loads(explore_trace.read_text())
    code, doc = shrink_json(tmp, str(explore_trace), "--minimize", "faults", "--out",
                            "faults.min.fozzy")
    assert code == 0, doc
    assert doc["mode"] == "explore"
    assert doc["findings"][0]["kind"] == "invariant"
    assert doc["shrink"]["unit"] == "faults"
    shrunk = json.loads((tmp / "faults.min.fozzy").read_text())
    assert "tick" not in _fault_steps(shrunk)
    assert len(_fault_steps(shrunk)) < len(_fault_steps(original))

    code, doc = shrink_json(tmp, str(explore_trace), "--minimize", "all", "--out",
                            "all.min.fozzy")
    assert code == 0, doc
    assert doc["shrink"]["shrunk"] < doc["shrink"]["original"]
    gate = fozzy(tmp, "--json", "ci", "all.min.fozzy")
    assert gate.returncode == 0, gate.stdout + gate.stderr

    proc = fozzy(tmp, "shrink", str(explore_trace), "--minimize", "input")
    assert proc.returncode == 2 and "does not apply to explore traces" in proc.stderr


def test_host_recorded_trace_is_refused_with_a_reason(tmp_path: Path) -> None:
    steps = [{"type": "proc_spawn", "cmd": "false", "args": [], "expect_exit": 0}]
    (tmp_path / "host.fozzy.json").write_text(
        json.dumps({"version": 1, "name": "host", "steps": steps}))
    fozzy(tmp_path, "--proc-backend", "host", "test", "host.fozzy.json", "--det", "--seed", "1",
          "--record", "host.fozzy")
    proc = fozzy(tmp_path, "shrink", "host.fozzy")
    assert proc.returncode == 2
    assert "recorded with host backends (proc)" in proc.stderr
    assert not (tmp_path / "host.min.fozzy").exists()


def test_host_trace_without_host_events_is_refused_too(tmp_path: Path) -> None:
    """A host step that times out emits no host event; the trace's `backends` member still
    says the run used the host, so shrink refuses up front instead of re-running it on
    scripted backends and blaming the baseline for "no longer reproducing"."""
    steps = [{"type": "proc_spawn", "cmd": "sleep", "args": ["5"]}]
    (tmp_path / "slow.fozzy.json").write_text(
        json.dumps({"version": 1, "name": "slow", "steps": steps}))
    run = fozzy(tmp_path, "--json", "--proc-backend", "host", "run", "slow.fozzy.json",
                "--timeout", "500ms")
    assert run.returncode == 3, run.stdout + run.stderr
    trace = Path(json.loads(run.stdout)["identity"]["tracePath"])
    doc = json.loads(trace.read_text())
    assert doc["backends"]["proc"] == "host"
    assert not any(ev["name"].startswith("proc") for ev in doc["events"])
    proc = fozzy(tmp_path, "shrink", str(trace), "--out", "slow.min.fozzy")
    assert proc.returncode == 2
    assert "recorded with host backends (proc)" in proc.stderr
    assert "no longer reproduces" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "slow.min.fozzy").exists()
