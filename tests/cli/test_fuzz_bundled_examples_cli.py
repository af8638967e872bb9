"""Fuzzing every bundled example and every starter `fozzy init` writes, with the scripted
backends, for thousands of runs, reports no finding: under scripted backends the mock is the
system, so there is no disagreement to find in a correct scenario (workers.fuzz.mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from tests.cli.test_fuzz_cli import ROOT, fozzy, fuzz_json

RUNS = "2000"


def steps_scenarios(root: Path) -> list[Path]:
    """The steps scenarios under `root` (distributed ones go to `fozzy explore`)."""
    return sorted(p for p in root.rglob("*.fozzy.json")
                  if "steps" in orjson.loads(p.read_bytes()))


EXAMPLES = steps_scenarios(ROOT / "examples")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_bundled_example_fuzzes_without_findings(tmp_path: Path, path: Path) -> None:
    shutil.copy(path, tmp_path / path.name)
    code, doc = fuzz_json(tmp_path, f"scenario:{path.name}", "--det", "--runs", RUNS,
                          "--corpus", "c")
    assert code == 0 and not doc.get("findings"), doc
    assert doc["fuzz"]["executed"] == int(RUNS) and doc["fuzz"]["crashes"] == []


def test_init_starters_fuzz_without_findings(tmp_path: Path) -> None:
    init = fozzy(tmp_path, "init")
    assert init.returncode == 0, init.stdout + init.stderr
    starters = steps_scenarios(tmp_path)
    # The host starter is written for --proc-backend host --fs-backend host (under the
    # scripted backends `fozzy run` fails it too), where its inputs reach real programs.
    scripted = [p for p in starters if p.parent.name != "host"]
    assert len(scripted) >= 3, starters
    for path in scripted:
        rel = path.relative_to(tmp_path)
        code, doc = fuzz_json(tmp_path, f"scenario:{rel}", "--det", "--runs", RUNS,
                              "--corpus", f"c-{path.name}")
        assert code == 0 and not doc.get("findings"), (rel, doc)
