"""`fozzy validate FILE` through the real command: output objects and exit codes (§2.12)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from workers.steps.registry import registry


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=60, check=False,
    )


def validate_json(tmp_path: Path, doc: Any, name: str = "s.fozzy.json") -> tuple[int, Any]:
    (tmp_path / name).write_bytes(doc if isinstance(doc, bytes) else orjson.dumps(doc))
    r = fozzy(tmp_path, "validate", name, "--json")
    return r.returncode, orjson.loads(r.stdout)


SLEEP = {"type": "sleep", "duration": "5ms"}


def test_valid_steps_scenario(tmp_path: Path) -> None:
    doc = {"version": 1, "name": "example", "steps": [
        SLEEP, {"type": "assert_throws", "steps": [{"type": "fail", "message": "x"}]}]}
    code, out = validate_json(tmp_path, doc)
    assert code == 0
    assert out == {"ok": True, "scenario": "s.fozzy.json", "variant": "steps",
                   "name": "example", "steps": 2}


def test_valid_distributed_scenario(tmp_path: Path) -> None:
    doc = {"version": 1, "name": "repl", "distributed": {
        "nodes": ["a", "b", "c"],
        "steps": [{"type": "client_put", "node": "a", "key": "k", "value": "1"},
                  {"type": "crash", "node": "c"}, {"type": "tick", "duration": "5ms"}],
        "invariants": [{"type": "kv_all_equal", "key": "k"}]}}
    code, out = validate_json(tmp_path, doc)
    assert code == 0
    assert out == {"ok": True, "scenario": "s.fozzy.json", "variant": "distributed",
                   "name": "repl", "steps": 3, "invariants": 1}


def test_nested_duration_error(tmp_path: Path) -> None:
    doc = {"version": 1, "name": "bad", "steps": [
        SLEEP, {"type": "assert_throws", "steps": [{"type": "sleep", "duration": "5us"}]}]}
    code, out = validate_json(tmp_path, doc)
    assert code == 2
    assert out["ok"] is False
    assert out["variant"] == "steps"
    assert out["scenario"] == "s.fozzy.json"
    assert 'invalid argument: invalid duration unit "us" (expected ms|s|m|h)' in out["error"]
    assert out["pointer"] == "/steps/1/steps/0/duration"


def test_get_kv_assert_conflict(tmp_path: Path) -> None:
    doc = {"version": 1, "name": "bad", "steps": [
        {"type": "get_kv_assert", "key": "k", "equals": "v", "is_null": True}]}
    code, out = validate_json(tmp_path, doc)
    assert code == 2
    assert "GetKvAssert: cannot set both equals and is_null=true" in out["error"]


def test_steps_version_is_checked(tmp_path: Path) -> None:
    code, out = validate_json(tmp_path, {"version": 2, "name": "v", "steps": [SLEEP]})
    assert code == 2
    assert "unsupported scenario version 2 (expected 1)" in out["error"]
    assert out["pointer"] == "/version"


def test_distributed_without_topology(tmp_path: Path) -> None:
    doc = {"version": 1, "name": "d", "distributed": {"steps": []}}
    code, out = validate_json(tmp_path, doc)
    assert code == 2
    assert out["variant"] == "distributed"
    assert "distributed requires either nodes:[...] or node_count" in out["error"]


def test_suites_are_not_executable(tmp_path: Path) -> None:
    code, out = validate_json(tmp_path, {"version": 1, "name": "s", "suites": None})
    assert code == 2
    assert out["ok"] is False
    assert (out["variant"], out["name"]) == ("suites", "s")
    assert "uses `suites` without an executable step DSL" in out["error"]


def test_parse_error_has_hint_and_no_variant(tmp_path: Path) -> None:
    doc = {"version": 1, "name": "p", "steps": [{"type": "proc_when", "cmd": "x", "exit": 0}]}
    code, out = validate_json(tmp_path, doc)
    assert code == 2
    assert set(out) == {"ok", "scenario", "error", "pointer"}
    assert "failed to parse scenario s.fozzy.json" in out["error"]
    assert "fozzy schema --json" in out["error"]


def test_invalid_json_reports_position(tmp_path: Path) -> None:
    code, out = validate_json(tmp_path, b'{"version": 1,\n "name": }')
    assert code == 2
    assert "line 2 column" in out["error"]
    assert "failed to parse scenario" in out["error"]


def test_missing_file(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "--json", "validate", "missing.fozzy.json")
    assert r.returncode == 2
    out = orjson.loads(r.stdout)
    assert out["ok"] is False
    assert "failed to read scenario missing.fozzy.json" in out["error"]


def test_human_output_is_a_listing_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(orjson.dumps({"version": 1, "name": "n", "steps": [
        {"type": "sleep", "duration": "soon"}]}))
    r = fozzy(tmp_path, "validate", "a.json", "--no-color")
    assert r.returncode == 2
    lines = r.stdout.splitlines()
    assert "ok: false" in lines
    assert "pointer: /steps/0/duration" in lines
    assert "variant: steps" in lines
    assert r.stderr == ""


def test_global_cwd_after_the_command(tmp_path: Path) -> None:
    sub = tmp_path / "proj"
    sub.mkdir()
    (sub / "ok.json").write_bytes(orjson.dumps({"version": 1, "name": "n", "steps": [SLEEP]}))
    r = fozzy(tmp_path, "validate", "ok.json", "--cwd", "proj", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert orjson.loads(r.stdout)["ok"] is True


def test_missing_argument_is_a_usage_error(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "validate")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


@pytest.mark.skipif(
    not {"http_when", "proc_when"} <= set(registry()), reason="http/proc families not registered"
)
def test_declaration_only_scenario(tmp_path: Path) -> None:
    doc = {"version": 1, "name": "bad", "steps": [
        {"type": "http_when", "method": "GET", "path": "/x", "status": 204},
        {"type": "proc_when", "cmd": "true", "exit_code": 0}]}
    code, out = validate_json(tmp_path, doc)
    assert code == 2
    assert "`proc_when` and `http_when` are declarations" in out["error"]
