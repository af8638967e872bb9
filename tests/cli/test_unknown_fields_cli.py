"""Documented fields only, through the real command: a misspelled field is exit 2 everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli.clikit import fozzy

MOCK = {"type": "proc_when", "cmd": "echo", "args": ["hi"], "exit_code": 0, "stdout": "hi\n"}
TYPO = {"type": "proc_spawn", "cmd": "echo", "args": ["hi"], "expect_stdot": "nope"}
HINT = "/steps/1/expect_stdot: unknown field `expect_stdot` in `proc_spawn` step; " \
       "did you mean `expect_stdout`?"


def write(tmp_path: Path, name: str, doc: dict[str, Any]) -> str:
    (tmp_path / name).write_bytes(orjson.dumps(doc))
    return name


def typo_file(tmp_path: Path) -> str:
    return write(tmp_path, "typo.fozzy.json", {"version": 1, "name": "typo",
                                               "steps": [MOCK, TYPO]})


def test_validate_names_the_misspelled_oracle(tmp_path: Path) -> None:
    name = typo_file(tmp_path)
    r = fozzy(tmp_path, "validate", name, "--json")
    assert r.returncode == 2, r.stdout + r.stderr
    out = orjson.loads(r.stdout)
    assert out["ok"] is False
    assert out["pointer"] == "/steps/1/expect_stdot"
    assert HINT in out["error"]


@pytest.mark.parametrize("command", [["run"], ["test"], ["test", "--jobs", "2"]])
def test_run_and_test_refuse_to_execute_it(tmp_path: Path, command: list[str]) -> None:
    name = typo_file(tmp_path)
    r = fozzy(tmp_path, *command, name, "--json")
    assert r.returncode == 2, r.stdout + r.stderr
    doc = orjson.loads(r.stdout)
    assert doc["status"] == "error"
    assert HINT in doc["message"]
    assert not (tmp_path / ".fozzy" / "runs").exists() or not any(
        (tmp_path / ".fozzy" / "runs").iterdir())


def test_human_error_is_one_line(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "run", typo_file(tmp_path))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len((r.stdout + r.stderr).strip().splitlines()) == 1
    assert HINT in r.stdout + r.stderr


def test_notes_are_accepted_and_the_corrected_scenario_passes(tmp_path: Path) -> None:
    fixed = {**TYPO, "expect_stdout": "hi\n", "note": "the echo contract"}
    del fixed["expect_stdot"]
    name = write(tmp_path, "ok.fozzy.json", {"version": 1, "name": "ok", "note": "why",
                                             "steps": [{**MOCK, "note": "mock"}, fixed]})
    r = fozzy(tmp_path, "run", name, "--det", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert orjson.loads(r.stdout)["status"] == "pass"


def test_explore_rejects_a_misspelled_invariant_field(tmp_path: Path) -> None:
    name = write(tmp_path, "d.fozzy.json", {"version": 1, "name": "d", "distributed": {
        "node_count": 2,
        "steps": [{"type": "client_put", "node": "n0", "key": "k", "value": "v"}],
        "invariants": [{"type": "kv_node_equals", "node": "n0", "key": "k", "equal": "v"}],
    }})
    r = fozzy(tmp_path, "explore", name, "--json")
    assert r.returncode == 2, r.stdout + r.stderr
    message = orjson.loads(r.stdout)["message"]
    assert "/distributed/invariants/0/equal: unknown field `equal`" in message
    assert "did you mean `equals`?" in message


def test_schema_documents_note(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "schema", "--json")
    assert r.returncode == 0
    assert orjson.loads(r.stdout)["commonFields"]["note"]["type"] == "string"
