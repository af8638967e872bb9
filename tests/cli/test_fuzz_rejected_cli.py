"""`fozzy fuzz` under scripted backends: the mock is the system, so a correct scenario with
`proc_when`/`http_when` mocks yields no finding, and a stored mutant that no rule answers is
counted as `rejected` (JSON and human output), never reported."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.clikit import scenario
from tests.cli.test_fuzz_cli import fozzy, fuzz_json

MOCKED = [
    {"type": "proc_when", "cmd": "git", "args": ["rev-parse", "HEAD"], "exit_code": 0,
     "stdout": "abc\n"},
    {"type": "proc_spawn", "cmd": "git", "args": ["rev-parse", "HEAD"], "expect_exit": 0,
     "expect_stdout": "abc\n"},
    {"type": "http_when", "method": "GET", "path": "/v1/status", "status": 200, "times": 1},
    {"type": "http_request", "method": "GET", "path": "/v1/status", "expect_status": 200},
]


def test_a_correct_mocked_scenario_fuzzes_without_unmatched_findings(tmp_path: Path) -> None:
    name = scenario(tmp_path, "mocked", MOCKED)
    code, doc = fuzz_json(tmp_path, f"scenario:{name}", "--det", "--runs", "3000",
                          "--corpus", "c")
    assert code == 0, doc
    f = doc["fuzz"]
    assert f["executed"] == 3000 and f["crashes"] == [] and not doc.get("findings")
    assert f["rejected"] == 0


def test_a_stored_mutant_no_rule_answers_is_rejected_not_a_crash(tmp_path: Path) -> None:
    name = scenario(tmp_path, "mocked", MOCKED)
    mutant = [dict(s) for s in MOCKED]
    mutant[1]["args"] = ["rev-parse", "HEAD~1"]  # what a host-backend campaign may have kept
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "input-mutant.bin").write_bytes(
        orjson.dumps({"seed": 1, "steps": mutant}))
    code, doc = fuzz_json(tmp_path, f"scenario:{name}", "--det", "--runs", "500",
                          "--corpus", "c")
    assert code == 0, doc
    assert doc["fuzz"]["rejected"] == 1 and doc["fuzz"]["crashes"] == []
    assert not list((tmp_path / "c").glob("crashes/*"))
    human = fozzy(tmp_path, "fuzz", f"scenario:{name}", "--det", "--runs", "500",
                  "--corpus", "c")
    assert human.returncode == 0, human.stdout + human.stderr
    assert " rejected=1 " in human.stdout


def test_mutators_that_cannot_change_a_scripted_scenario_are_a_flag_error(
        tmp_path: Path) -> None:
    name = scenario(tmp_path, "mocked", MOCKED)
    proc = fozzy(tmp_path, "fuzz", f"scenario:{name}", "--runs", "10", "--mutator", "field")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "--mutator field cannot change" in line and "mock is the system" in line
    ignored = fozzy(tmp_path, "fuzz", f"scenario:{name}", "--runs", "10", "--mutator",
                    "bit_flip")
    assert ignored.returncode == 2 and "--mutator bit_flip cannot change" in ignored.stderr
    both = fozzy(tmp_path, "fuzz", f"scenario:{name}", "--runs", "10", "--mutator", "field",
                 "--mutator", "seed")
    assert both.returncode == 2 and "--mutator field cannot change" in both.stderr
    code, _ = fuzz_json(tmp_path, f"scenario:{name}", "--runs", "10", "--mutator", "seed")
    assert code == 0


def test_corpus_minimize_runs_a_hand_written_entry_in_parsed_form(tmp_path: Path) -> None:
    """A corpus entry written by hand (optional fields left out) used to reach the worker
    unparsed and fail there with a KeyError."""
    name = scenario(tmp_path, "mocked", MOCKED)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "input-hand.bin").write_bytes(orjson.dumps({"seed": 1, "steps": MOCKED}))
    proc = fozzy(tmp_path, "corpus", "minimize", "c", "--target", f"scenario:{name}", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert orjson.loads(proc.stdout)["filesAfter"] == 1
