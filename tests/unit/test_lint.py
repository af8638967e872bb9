"""CI enforces the type checker and the linter through the test suite: a change that breaks
`mypy --strict` or `ruff check` fails here with the tools' own output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=540, check=False,
    )


@pytest.mark.timeout(600)  # a cold mypy cache on a loaded runner
def test_mypy_strict_passes_on_fozzy_and_workers() -> None:
    r = run_tool("mypy", "--strict", "fozzy", "workers")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_passes_on_code_and_tests() -> None:
    r = run_tool("ruff", "check", "fozzy", "workers", "tests")
    assert r.returncode == 0, r.stdout + r.stderr
