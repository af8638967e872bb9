"""`fozzy trace verify` through the real command: verdicts, exit codes, one JSON document."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from fozzy.trace.checksum import seal
from fozzy.trace.model import build_trace


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=60, check=False,
    )


def doc(version: int = 4) -> dict[str, Any]:
    d = build_trace(
        mode="run", scenario_path="s.fozzy.json",
        scenario={"version": 1, "name": "s", "steps": [{"type": "rand_u64", "key": None}]},
        decisions=[{"kind": "scheduler_pick", "task_id": 1, "label": "rand_u64"},
                   {"kind": "rand_u64", "value": 12345678901234567890}],
        events=[], summary={"status": "pass", "mode": "run", "identity": {"seed": 1}},
    )
    d["version"] = version
    return d


def write(tmp_path: Path, data: bytes, name: str = "t.fozzy") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def json_out(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    value = orjson.loads(proc.stdout)  # exactly one document, or this raises
    assert isinstance(value, dict)
    return value


def test_valid_trace_verifies(tmp_path: Path) -> None:
    p = write(tmp_path, seal(doc())[0])
    proc = fozzy(tmp_path, "--json", "trace", "verify", "t.fozzy")
    assert proc.returncode == 0, proc.stderr
    assert json_out(proc) == {"ok": True, "path": str(p), "version": 4,
                              "checksumPresent": True, "checksumValid": True}
    human = fozzy(tmp_path, "trace", "verify", "t.fozzy")
    assert human.returncode == 0
    assert "checksumValid: true" in human.stdout and "ok: true" in human.stdout


def test_corrupted_trace_fails_strict_and_reports_under_unsafe(tmp_path: Path) -> None:
    data = bytearray(seal(doc())[0])
    i = data.index(b"12345678901234567890")
    data[i] = ord("9")
    write(tmp_path, bytes(data))
    proc = fozzy(tmp_path, "--json", "trace", "verify", "t.fozzy")
    assert proc.returncode == 2
    err = json_out(proc)
    assert err["status"] == "error"
    assert "strict mode: trace verify failed integrity policy (checksum invalid)" in err["message"]
    relaxed = fozzy(tmp_path, "trace", "verify", "t.fozzy", "--unsafe", "--json")
    assert relaxed.returncode == 0
    report = json_out(relaxed)
    assert (report["ok"], report["checksumPresent"], report["checksumValid"]) == (
        False, True, False)


def test_missing_checksum_and_stale_version(tmp_path: Path) -> None:
    write(tmp_path, orjson.dumps(doc(version=3)))
    proc = fozzy(tmp_path, "trace", "verify", "t.fozzy")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert ("checksum missing, checksum invalid, warnings: trace schema v3 is stale;"
            " current schema is v4)") in proc.stderr
    relaxed = fozzy(tmp_path, "--unsafe", "--json", "trace", "verify", "t.fozzy")
    assert relaxed.returncode == 0
    assert json_out(relaxed)["warnings"] == ["trace schema v3 is stale; current schema is v4"]


def test_unreadable_traces_fail_in_both_modes(tmp_path: Path) -> None:
    good = seal(doc())[0]
    cases = {
        "trunc.fozzy": (good[: len(good) // 2], "truncated"),
        "junk.fozzy": (b"\x00\x01binary", "failed to parse trace"),
        "v9.fozzy": (seal(doc(version=9))[0], "unsupported trace schema version 9"),
        "fmt.fozzy": (b'{"format":"zip","version":4}', "unsupported trace format"),
    }
    for name, (data, message) in cases.items():
        write(tmp_path, data, name)
        for mode in ("--strict", "--unsafe"):
            proc = fozzy(tmp_path, "--json", mode, "trace", "verify", name)
            assert proc.returncode == 2, (name, mode)
            err = json_out(proc)
            assert err["status"] == "error" and message in err["message"], (name, err)
            assert "Traceback" not in proc.stderr
    missing = fozzy(tmp_path, "trace", "verify", "nope.fozzy")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error trace error: failed to read trace")


def test_usage_errors(tmp_path: Path) -> None:
    proc = fozzy(tmp_path, "--json", "trace", "verify")
    assert proc.returncode == 2
    assert json_out(proc)["status"] == "error"
