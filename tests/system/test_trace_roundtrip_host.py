"""Host-backed runs recorded with the real `fozzy run --record`, verified, then replayed from
their decisions: the replay reproduces the run and touches neither processes nor files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

SPAWN_CODE = "open('marker', 'w').write('x'); print('hi from host')"

SCENARIO = {"version": 1, "name": "host-rt", "steps": [
    {"type": "fs_write", "path": "out.txt", "data": "hello"},
    {"type": "fs_read_assert", "path": "out.txt", "equals": "hello"},
    {"type": "proc_spawn", "cmd": sys.executable, "args": ["-c", SPAWN_CODE],
     "expect_exit": 0, "expect_stdout": "hi from host\n", "save_stdout_as": "out"},
    {"type": "get_kv_assert", "key": "out", "equals": "hi from host\n"},
    {"type": "rand_u64"},
]}


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )


def as_doc(text: str | bytes) -> dict[str, Any]:
    value = orjson.loads(text)
    assert isinstance(value, dict)
    return value


def test_host_run_replays_without_live_effects(tmp_path: Path) -> None:
    (tmp_path / "h.fozzy.json").write_text(json.dumps(SCENARIO))
    rec = fozzy(tmp_path, "--json", "--proc-backend", "host", "--fs-backend", "host",
                "run", "h.fozzy.json", "--det", "--seed", "4", "--record", "h.fozzy")
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert (tmp_path / "marker").exists() and (tmp_path / "out.txt").read_text() == "hello"
    trace = as_doc((tmp_path / "h.fozzy").read_bytes())
    kinds = [d["kind"] for d in trace["decisions"] if d["kind"] != "scheduler_pick"]
    assert kinds == ["fs_write", "fs_read_assert", "proc_spawn", "rand_u64"]

    verify = fozzy(tmp_path, "--json", "trace", "verify", "h.fozzy")
    assert verify.returncode == 0
    report = as_doc(verify.stdout)
    assert report["ok"] is True and "warnings" not in report

    (tmp_path / "marker").unlink()
    (tmp_path / "out.txt").unlink()
    rep = fozzy(tmp_path, "--json", "replay", "h.fozzy", "--dump-events")
    assert rep.returncode == 0, rep.stdout + rep.stderr
    assert as_doc(rep.stdout)["status"] == "pass"
    assert not (tmp_path / "marker").exists() and not (tmp_path / "out.txt").exists()
    events = [json.loads(line) for line in rep.stderr.splitlines()]
    backends = {e["fields"]["backend"] for e in events if "backend" in e["fields"]}
    assert backends == {"replay"}
    # Same events at the same virtual times; only where the outcome came from differs.
    assert strip_source(events) == strip_source(trace["events"])


def strip_source(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    source = {"backend", "completion_boundary"}
    return [{**e, "fields": {k: v for k, v in e["fields"].items() if k not in source}}
            for e in events]


def test_host_trace_whose_recorded_output_was_edited_drifts(tmp_path: Path) -> None:
    from fozzy.trace.checksum import seal

    (tmp_path / "h.fozzy.json").write_text(json.dumps(SCENARIO))
    rec = fozzy(tmp_path, "--proc-backend", "host", "--fs-backend", "host",
                "run", "h.fozzy.json", "--det", "--seed", "4", "--record", "h.fozzy")
    assert rec.returncode == 0, rec.stderr
    doc = as_doc((tmp_path / "h.fozzy").read_bytes())
    for d in doc["decisions"]:
        if d["kind"] == "fs_write":
            d["path"] = "other.txt"
    doc.pop("checksum")
    (tmp_path / "h.fozzy").write_bytes(seal(doc)[0])
    rep = fozzy(tmp_path, "--json", "replay", "h.fozzy")
    assert rep.returncode == 1
    (finding,) = as_doc(rep.stdout)["findings"]
    assert finding["title"] == "replay_drift"
    assert not (tmp_path / "other.txt").exists()


def test_recorded_host_timeout_replays_as_timeout_without_spawning(tmp_path: Path) -> None:
    slow = "import time; open('started', 'w').write('x'); time.sleep(30)"
    scenario = {"version": 1, "name": "slow", "steps": [
        {"type": "proc_spawn", "cmd": sys.executable, "args": ["-c", slow], "timeout": "1s"},
    ]}
    (tmp_path / "slow.fozzy.json").write_text(json.dumps(scenario))
    rec = fozzy(tmp_path, "--json", "--proc-backend", "host", "run", "slow.fozzy.json",
                "--det", "--record", "slow.fozzy")
    assert rec.returncode == 3, rec.stdout + rec.stderr
    trace = as_doc((tmp_path / "slow.fozzy").read_bytes())
    assert trace["backends"]["proc"] == "host"
    assert [d["kind"] for d in trace["decisions"]] == ["scheduler_pick", "proc_spawn_timeout"]
    (tmp_path / "started").unlink(missing_ok=True)
    rep = fozzy(tmp_path, "--json", "replay", "slow.fozzy")
    assert rep.returncode == 3, rep.stdout + rep.stderr
    replayed = as_doc(rep.stdout)
    assert replayed["status"] == "timeout"
    assert [f["title"] for f in replayed["findings"]] == [
        f["title"] for f in as_doc(rec.stdout)["findings"]]
    assert not (tmp_path / "started").exists()
