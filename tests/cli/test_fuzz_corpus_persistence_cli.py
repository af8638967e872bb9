"""Corpus persistence through the real command: a second campaign on the same `--corpus`
starts from every entry the first one saved, so replaying them alone reaches the coverage the
first campaign built up (the target's own seeds reach far less)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PLANTED = "fn:planted.py:parse_header"


def fuzz(tmp: Path, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "fozzy", "fuzz", PLANTED, "--det", *args, "--json"],
        cwd=tmp, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return dict(json.loads(proc.stdout)["fuzz"])


def test_second_campaign_starts_from_the_saved_corpus(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", tmp_path / "planted.py")
    first = fuzz(tmp_path, "--runs", "3000", "--corpus", "c")
    saved = sorted((tmp_path / "c").glob("input-*.bin"))
    assert first["newCorpusEntries"] == len(saved) > 0
    cold = fuzz(tmp_path, "--runs", "1", "--corpus", "empty")
    warm = fuzz(tmp_path, "--runs", "1", "--corpus", "c")
    assert warm["corpusEntries"] == len(saved)
    assert warm["newCorpusEntries"] == 0
    assert cold["features"] < warm["features"] <= first["features"]
