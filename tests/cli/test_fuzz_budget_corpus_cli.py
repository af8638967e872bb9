"""`fozzy fuzz` budgets and corpus bounds through the real command: `--time T` ends, report
included, soon after T (a generous bound here; benchmarks/ has the figures), a 4-step
scenario keeps tens of entries, and `--max-corpus` bounds the corpus."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.cli.clikit import scenario
from tests.cli.test_fuzz_cli import PLANTED, fozzy, fuzz_json, project

FOUR = [
    {"type": "proc_spawn", "cmd": "echo", "args": ["hello", "fozzy"], "expect_exit": 0},
    {"type": "set_kv", "key": "k", "value": "v"},
    {"type": "trace_event", "name": "between"},
    {"type": "get_kv_assert", "key": "k", "equals": "v"},
]


@pytest.mark.parametrize("host", [False, True], ids=["scripted", "host-proc"])
def test_time_budget_ends_with_the_report_soon_after_it(tmp_path: Path, host: bool) -> None:
    mock = {"type": "proc_when", "cmd": "echo", "args": ["hello", "fozzy"], "exit_code": 0}
    name = scenario(tmp_path, "four", FOUR if host else [mock, *FOUR])
    backend = ("--proc-backend", "host") if host else ()
    t0 = time.monotonic()
    code, doc = fuzz_json(tmp_path, f"scenario:{name}", *backend, "--time", "1s",
                          "--corpus", "c")
    wall = time.monotonic() - t0
    assert code == 0, doc
    assert wall < 1 + 2, wall  # T + 0.5 s is the contract; this bound only catches runaways
    f = doc["fuzz"]
    assert f["executed"] >= 1
    # Tens of entries, not thousands: only what adds a feature, and echoed answers are
    # bounded features.
    assert f["corpusEntries"] <= 64
    assert len(list((tmp_path / "c").glob("input-*.bin"))) == f["newCorpusEntries"]


def test_time_budget_holds_for_an_fn_target_that_crashes(tmp_path: Path) -> None:
    project(tmp_path)
    t0 = time.monotonic()
    code, doc = fuzz_json(tmp_path, PLANTED, "--time", "2s", "--seed", "3", "--corpus", "c")
    assert time.monotonic() - t0 < 2 + 2
    assert code in (0, 1), doc


def test_max_corpus_bounds_the_stored_corpus(tmp_path: Path) -> None:
    project(tmp_path)
    code, doc = fuzz_json(tmp_path, PLANTED, "--det", "--runs", "20000", "--max-corpus", "5",
                          "--corpus", "c")
    assert code in (0, 1), doc
    f = doc["fuzz"]
    assert f["maxCorpus"] == 5 and f["corpusEntries"] == 5  # 3 built-in seeds + 2 kept
    assert len(list((tmp_path / "c").glob("input-*.bin"))) == 2
    _, unbounded = fuzz_json(tmp_path, PLANTED, "--det", "--runs", "20000", "--corpus", "d")
    assert unbounded["fuzz"]["maxCorpus"] == 1024
    assert unbounded["fuzz"]["corpusEntries"] > 5


@pytest.mark.parametrize("value", ["0", "-1", "abc", "100001", ""])
def test_bad_max_corpus_is_a_one_line_exit_2(tmp_path: Path, value: str) -> None:
    project(tmp_path)
    proc = fozzy(tmp_path, "fuzz", PLANTED, "--runs", "5", f"--max-corpus={value}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "--max-corpus" in line
    assert not (tmp_path / ".fozzy" / "corpora").exists()
