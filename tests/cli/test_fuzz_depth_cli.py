"""Fuzzing depth through the real command: comparison feedback finds what plain coverage
cannot in the same budget, structured inputs are reached, and `--det --runs` stays
reproducible."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.clikit import fozzy

#: The wanted word is computed at import, so constant harvesting cannot hand it over: only
#: the operands the comparison saw at run time can.
SECRET = '''
import base64

_WANTED = base64.b64decode("b3BlbnNlc2FtZS0yMDI2").decode()


def check(data: bytes) -> None:
    if data.decode("latin-1") == _WANTED:
        raise RuntimeError("the door opens")
'''

ADMIN = '''
import json


def handle(data: bytes) -> None:
    try:
        doc = json.loads(data)
    except ValueError:
        return
    if isinstance(doc, dict) and doc.get("role") == "admin":
        level = doc.get("level", 0)
        if isinstance(level, int) and level > 1000:
            raise RuntimeError("admin")
'''


def _campaign(cwd: Path, target: str, runs: int, *flags: str) -> dict[str, Any]:
    r = fozzy(cwd, "fuzz", target, "--runs", str(runs), "--det", "--seed", "3",
              "--corpus", f"corpus-{len(flags)}", "--json", *flags)
    assert r.returncode in (0, 1), r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def _found(doc: dict[str, Any], title: str) -> bool:
    return any(c["signature"].split("|")[1] == title for c in doc["fuzz"]["crashes"])


def test_comparison_feedback_finds_a_runtime_string_that_plain_coverage_cannot(
    tmp_path: Path,
) -> None:
    (tmp_path / "secret.py").write_text(SECRET)
    guided = _campaign(tmp_path, "fn:secret.py:check", 3000)
    plain = _campaign(tmp_path, "fn:secret.py:check", 3000, "--no-compare-feedback")
    assert _found(guided, "RuntimeError")
    assert not _found(plain, "RuntimeError")


def test_a_json_target_is_reached_through_its_structure(tmp_path: Path) -> None:
    (tmp_path / "admin.py").write_text(ADMIN)
    doc = _campaign(tmp_path, "fn:admin.py:handle", 20000, "--crash-only")
    assert _found(doc, "RuntimeError")


def test_det_runs_campaigns_stay_reproducible(tmp_path: Path) -> None:
    (tmp_path / "admin.py").write_text(ADMIN)
    first, second = (
        fozzy(tmp_path, "fuzz", "fn:admin.py:handle", "--runs", "3000", "--det", "--seed", "9",
              "--corpus", name, "--json")
        for name in ("a", "b")
    )
    a, b = json.loads(first.stdout)["fuzz"], json.loads(second.stdout)["fuzz"]
    assert (a["features"], a["corpusEntries"]) == (b["features"], b["corpusEntries"])
    assert sorted((tmp_path / "a").iterdir()) != [] and (
        sorted(p.name for p in (tmp_path / "a").iterdir())
        == sorted(p.name for p in (tmp_path / "b").iterdir())
    )


def test_json_is_a_mutator_name(tmp_path: Path) -> None:
    (tmp_path / "admin.py").write_text(ADMIN)
    doc = _campaign(tmp_path, "fn:admin.py:handle", 500, "--mutator", "json")
    corpus = tmp_path / "corpus-2"
    entries = [p for p in corpus.iterdir() if p.is_file()]
    assert doc["fuzz"]["executed"] == 500 and entries
    for entry in entries:
        json.loads(entry.read_bytes())  # JSON-only mutation keeps every kept input JSON
