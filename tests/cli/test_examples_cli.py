"""The example suite: together the top-level examples use every step type, each is named for
what it shows, and all of them pass under `fozzy test --det --seed 7` (and, one by one, under
`fozzy run`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from workers.steps.registry import STEP_ORDER

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.fozzy.json"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the examples, so runs write their artifacts outside the checkout."""
    (tmp_path / "examples").mkdir()
    for path in EXAMPLES:
        shutil.copy(path, tmp_path / "examples" / path.name)
    return tmp_path


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )


def step_types(steps: list[dict[str, Any]]) -> Iterator[str]:
    for s in steps:
        yield s["type"]
        if s["type"] in ("assert_throws", "assert_rejects"):
            yield from step_types(s["steps"])


def test_examples_use_every_step_type() -> None:
    used: set[str] = set()
    for path in EXAMPLES:
        doc = orjson.loads(path.read_bytes())
        assert "steps" in doc, f"{path.name}: top-level examples are steps scenarios"
        used.update(step_types(doc["steps"]))
    assert len(STEP_ORDER) == 42
    assert sorted(set(STEP_ORDER) - used) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_named_for_its_file_and_says_what_it_shows(path: Path) -> None:
    doc = orjson.loads(path.read_bytes())
    assert doc["version"] == 1
    assert path.name == f"{doc['name']}.fozzy.json"
    assert len(doc["note"]) > 40


def test_example_suite_passes_under_test(project: Path) -> None:
    r = fozzy(project, "test", "examples/*.fozzy.json", "--det", "--seed", "7", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    report = orjson.loads(r.stdout)
    assert report["status"] == "pass"
    assert [s["status"] for s in report["scenarios"]] == ["pass"] * len(EXAMPLES)
    assert [s["path"] for s in report["scenarios"]] == [
        f"examples/{p.name}" for p in EXAMPLES
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_passes_under_run_with_no_findings(project: Path, path: Path) -> None:
    r = fozzy(project, "run", f"examples/{path.name}", "--det", "--seed", "7", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    summary = orjson.loads(r.stdout)
    assert summary["status"] == "pass"
    assert summary.get("findings", []) == []


def test_clock_example_follows_freeze_semantics(project: Path) -> None:
    """250 ms, freeze at 1000 (a 5 s sleep is swallowed), advance 2 s, unfreeze, sleep 1 m,
    then the never-check polls for 500 ms: 63.5 s of virtual time."""
    r = fozzy(project, "run", "examples/clock-freeze-advance-and-kv-polling.fozzy.json", "--det",
              "--seed", "7", "--json")
    assert orjson.loads(r.stdout)["virtualMs"] == 63_500
