"""proc_spawn on the host backend: real processes under output caps and deadlines, the
proc_when contract, every outcome recorded as a decision, and replay with no live effect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.unit.enginekit import run, titles

PY = sys.executable
HOST = {"proc": "host"}
REPLAY = {"proc": "replay"}


def spawn(cmd: str, *args: str, **fields: Any) -> dict[str, Any]:
    return {"type": "proc_spawn", "cmd": cmd, "args": list(args), **fields}


def py(code: str, **fields: Any) -> dict[str, Any]:
    return spawn(PY, "-c", code, **fields)


def host(steps: list[dict[str, Any]], cwd: Path, **spec: Any) -> dict[str, Any]:
    spec.setdefault("backends", HOST)
    return run(steps, cwd=str(cwd), **spec)


def replay(steps: list[dict[str, Any]], first: dict[str, Any], **spec: Any) -> dict[str, Any]:
    """Replay in a directory that does not exist: any live spawn there would fail."""
    return run(
        steps, backends=REPLAY, cwd="/nonexistent/fozzy-replay",
        replay={"decisions": first["decisions"], "recorded_status": first["status"]}, **spec,
    )


def host_decisions(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in r["decisions"] if d["kind"] != "scheduler_pick"]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def gone_soon(pid: int, within: float = 5.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.01)
    return False


def test_real_process_checks_events_kv_and_decision(tmp_path: Path) -> None:
    steps = [
        spawn("sh", "-c", "printf hello; printf warn >&2; exit 3",
              expect_exit=3, expect_stdout="hello", expect_stderr="warn", save_stdout_as="out"),
        {"type": "get_kv_assert", "key": "out", "equals": "hello"},
    ]
    r = host(steps, tmp_path)
    assert r["status"] == "pass", r["findings"]
    [d] = host_decisions(r)
    assert d["kind"] == "proc_spawn"
    assert (d["cmd"], d["args"], d["exit_code"]) == ("sh", steps[0]["args"], 3)
    assert (d["stdout"], d["stderr"]) == ("hello", "warn")
    assert d["duration_ms"] >= 1
    assert r["virtualMs"] == d["duration_ms"]
    [ev] = [e for e in r["events"] if e["name"] == "proc_spawn"]
    assert ev["fields"]["backend"] == "host"
    assert ev["fields"]["completion_boundary"] == "process_exit"
    assert ev["fields"]["stdout_bytes"] == 5


def test_runs_in_the_working_directory(tmp_path: Path) -> None:
    r = host([spawn("pwd", expect_stdout=f"{tmp_path.resolve()}\n")], tmp_path)
    assert r["status"] == "pass", r["findings"]


def test_expectation_mismatch_is_a_plain_assertion(tmp_path: Path) -> None:
    r = host([spawn("false", expect_exit=0)], tmp_path)
    assert r["status"] == "fail"
    assert r["findings"][0]["title"] == "proc_exit"
    assert r["findings"][0]["message"] == "expected exit 0, got 1"


def test_spawn_failure_is_recorded_and_replays(tmp_path: Path) -> None:
    steps = [spawn("no-such-program-fozzy", "x")]
    r = host(steps, tmp_path)
    assert r["status"] == "fail"
    [f] = r["findings"]
    assert f["title"] == "proc_spawn_host"
    assert f["message"].startswith('host proc spawn failed for "no-such-program-fozzy" ["x"]')
    again = replay(steps, r)
    assert again["status"] == "fail"
    assert again["findings"] == r["findings"]


def test_output_cap_kills_the_tree_and_replays_as_the_same_failure(tmp_path: Path) -> None:
    pidfile = tmp_path / "gc.pid"
    steps = [spawn("sh", "-c", f"sleep 120 & echo $! > {pidfile}; yes")]
    t0 = time.monotonic()
    r = host(steps, tmp_path, limits={"max_output_bytes": 65536})
    assert time.monotonic() - t0 < 30
    assert r["status"] == "fail"
    [f] = r["findings"]
    assert f["title"] == "proc_spawn_host"
    assert "stdout exceeded limit" in f["message"]
    assert "> 65536 bytes" in f["message"]
    [d] = host_decisions(r)
    assert d["limit_exceeded"] == "stdout"
    assert d["limit_bytes"] == 65536
    assert d["observed_bytes"] > 65536
    assert len(d["stdout"]) == 65536
    assert gone_soon(int(pidfile.read_text()))
    again = replay(steps, r)
    assert again["status"] == "fail"
    assert again["findings"] == r["findings"]
    assert again["decisions"] == r["decisions"]


def test_default_cap_is_8_mib(tmp_path: Path) -> None:
    r = host([py("import sys\nsys.stdout.write('x' * (8 * 1024 * 1024 + 1))")], tmp_path)
    assert r["status"] == "fail"
    assert "stdout exceeded limit" in r["findings"][0]["message"]
    assert "> 8388608 bytes" in r["findings"][0]["message"]
    ok = host([py("import sys\nsys.stdout.write('x' * 8 * 1024 * 1024)")], tmp_path)
    assert ok["status"] == "pass", ok["findings"]


HUNG = (
    "import os, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
    "print('partial', flush=True)\n"
    "time.sleep(120)\n"
)


def test_run_timeout_kills_a_sigterm_ignoring_child_promptly(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    steps = [spawn(PY, "-c", HUNG, str(pidfile))]
    t0 = time.monotonic()
    r = host(steps, tmp_path, det=False, timeout_ms=1500)
    took = time.monotonic() - t0
    assert r["status"] == "timeout"
    assert took < 10, f"took {took:.1f}s for a 1.5s deadline"
    [f] = r["findings"]
    assert (f["kind"], f["title"]) == ("hang", "timeout")
    assert "no terminal process-exit boundary was observed before timeout" in f["message"]
    assert f["location"]["details"]["stdoutPreview"] == "partial\n"
    [d] = host_decisions(r)
    assert d["kind"] == "proc_spawn_timeout"
    assert d["stdout"] == "partial\n"
    assert gone_soon(int(pidfile.read_text()))


def test_timeout_also_holds_in_det_mode_and_replays_as_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    steps = [spawn(PY, "-c", HUNG, str(pidfile))]
    r = host(steps, tmp_path, det=True, timeout_ms=1000)
    assert r["status"] == "timeout"
    pidfile.unlink()
    again = replay(steps, r)
    assert again["status"] == "timeout"
    assert again["findings"] == r["findings"]
    assert again["virtualMs"] == r["virtualMs"]
    assert not pidfile.exists(), "replay must not start the process"


def test_step_timeout_field_bounds_one_spawn(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    t0 = time.monotonic()
    r = host([spawn(PY, "-c", HUNG, str(pidfile), timeout="800ms")], tmp_path)
    assert time.monotonic() - t0 < 10
    assert r["status"] == "timeout"
    assert titles(r) == ["timeout"]
    assert gone_soon(int(pidfile.read_text()))
    fast = host([spawn("true", timeout="30s", expect_exit=0)], tmp_path)
    assert fast["status"] == "pass", fast["findings"]


def test_step_timeout_field_is_validated() -> None:
    from workers.steps.registry import CheckError, registry

    sdef = registry()["proc_spawn"]
    assert sdef.check is not None
    with pytest.raises(CheckError) as e:
        sdef.check({"type": "proc_spawn", "cmd": "x", "args": [], "timeout": "soon"})
    assert e.value.field == "timeout"


def test_proc_when_is_a_contract_on_the_real_result(tmp_path: Path) -> None:
    when = {"type": "proc_when", "cmd": "sh", "args": ["-c", "echo hi"], "exit_code": 0,
            "stdout": "hi\n", "times": 1}
    ok = host([when, spawn("sh", "-c", "echo hi")], tmp_path)
    assert ok["status"] == "pass", ok["findings"]
    exhausted = host([when, spawn("sh", "-c", "echo hi"), spawn("sh", "-c", "echo hi")],
                     tmp_path)
    assert titles(exhausted) == ["proc_when_host_unmatched"]
    unmatched = host([when, spawn("sh", "-c", "echo other")], tmp_path)
    assert titles(unmatched) == ["proc_when_host_unmatched"]
    assert "--proc-backend scripted" in unmatched["findings"][0]["message"]
    assert host_decisions(unmatched) == [], "an unmatched spawn never runs"


@pytest.mark.parametrize(
    ("script", "title"),
    [
        ("echo hi; exit 4", "proc_when_host_exit"),
        ("echo bye", "proc_when_host_stdout"),
        ("echo hi; echo oops >&2", "proc_when_host_stderr"),
    ],
)
def test_proc_when_contract_mismatches(tmp_path: Path, script: str, title: str) -> None:
    when = {"type": "proc_when", "cmd": "sh", "args": ["-c", script], "exit_code": 0,
            "stdout": "hi\n"}
    r = host([when, spawn("sh", "-c", script)], tmp_path)
    assert titles(r) == [title]
    again = replay([when, spawn("sh", "-c", script)], r)
    assert titles(again) == [title]


def test_replay_serves_recorded_output_and_detects_drift(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    steps = [spawn("sh", "-c", f"echo run >> {marker}; date +%N", save_stdout_as="n"),
             {"type": "get_kv_assert", "key": "n"}]
    r = host(steps, tmp_path)
    assert r["status"] == "pass", r["findings"]
    again = replay(steps, r)
    assert again["status"] == "pass", again["findings"]
    assert again["decisions"] == r["decisions"]
    assert [e for e in again["events"] if e["name"] == "capability_proc"] == [
        e for e in r["events"] if e["name"] == "capability_proc"
    ]
    assert marker.read_text() == "run\n", "replay must not run the command again"
    drifted = replay([spawn("sh", "-c", "echo different")], r)
    assert titles(drifted) == ["replay_drift"]


def test_rss_peak_reaches_the_memory_report(tmp_path: Path) -> None:
    code = "import time\nb = bytearray(48 * 1024 * 1024)\ntime.sleep(0.4)\n"
    r = host([py(code)], tmp_path, memory={"track": True})
    assert r["status"] == "pass", r["findings"]
    [d] = host_decisions(r)
    assert d["rss_sample_count"] >= 1
    assert d["peak_rss_bytes"] >= 48 * 1024 * 1024
    assert r["memory"] is not None
    assert r["memory"]["summary"]["peakBytes"] >= d["peak_rss_bytes"]


def test_no_processes_left_behind(tmp_path: Path) -> None:
    me = psutil.Process(os.getpid())
    before = {p.pid for p in me.children(recursive=True)}
    host([spawn("sh", "-c", "sleep 60 & sleep 60 & yes")], tmp_path,
         limits={"max_output_bytes": 1000})
    host([spawn("sh", "-c", "sleep 60 & wait")], tmp_path, det=False, timeout_ms=300)
    host([spawn("sh", "-c", "sleep 60 >/dev/null 2>&1 &")], tmp_path)
    left = {p.pid for p in me.children(recursive=True) if alive(p.pid)} - before
    assert left == set()


def test_cli_run_with_host_backend_times_out_with_exit_3(tmp_path: Path) -> None:
    scenario = tmp_path / "hang.fozzy.json"
    scenario.write_text(json.dumps({
        "version": 1, "name": "hang",
        "steps": [{"type": "proc_spawn", "cmd": "sleep", "args": ["60"]}],
    }))
    t0 = time.monotonic()
    proc = subprocess.run(
        [PY, "-m", "fozzy", "run", str(scenario), "--proc-backend", "host", "--timeout", "1s",
         "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert time.monotonic() - t0 < 30
    assert proc.returncode == 3, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "timeout"


def test_cli_record_then_replay_has_no_live_effect(tmp_path: Path) -> None:
    scenario = tmp_path / "s.fozzy.json"
    scenario.write_text(json.dumps({
        "version": 1, "name": "roundtrip",
        "steps": [
            {"type": "fs_write", "path": "out/a.txt", "data": "x"},
            {"type": "proc_spawn", "cmd": "sh", "args": ["-c", "cat out/a.txt; echo ran >> m"],
             "expect_stdout": "x"},
            {"type": "proc_spawn", "cmd": "sleep", "args": ["30"], "timeout": "300ms"},
        ],
    }))

    def fozzy(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([PY, "-m", "fozzy", *args, "--json"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    rec = fozzy("run", str(scenario), "--proc-backend", "host", "--fs-backend", "host",
                "--det", "--record", "t.fozzy")
    assert rec.returncode == 3, rec.stdout + rec.stderr
    assert (tmp_path / "m").read_text() == "ran\n"
    (tmp_path / "m").unlink()
    (tmp_path / "out" / "a.txt").unlink()
    rep = fozzy("replay", "t.fozzy")
    assert rep.returncode == 3, rep.stdout + rep.stderr
    assert json.loads(rep.stdout)["virtualMs"] == json.loads(rec.stdout)["virtualMs"]
    assert not (tmp_path / "m").exists()
    assert not (tmp_path / "out" / "a.txt").exists()
