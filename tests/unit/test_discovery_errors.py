"""Discovery reports the directories it cannot list, when the pattern could reach into them.

Listing is refused by the OS (permissions) in real life; here `os.scandir` raises for one
directory, which is the exact condition the walk has to react to, and works under root too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fozzy.errors import FozzyError
from fozzy.scenario import discover as disc
from fozzy.scenario.discover import discover


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for rel in ("tests/a.fozzy.json", "tests/locked/b.fozzy.json", "other/locked/c.fozzy.json"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("{}")
    monkeypatch.chdir(tmp_path)
    real = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("/locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(disc.os, "scandir", scandir)
    yield tmp_path


@pytest.mark.parametrize("patterns", [[], ["tests"], ["tests/**/*.fozzy.json"],
                                      ["tests/*/b.fozzy.json"], ["*/locked/*.fozzy.json"]])
def test_unlistable_directory_the_selection_reaches_is_an_error(
    locked: Path, patterns: list[str]
) -> None:
    with pytest.raises(FozzyError) as e:
        discover(patterns)
    assert "tests/locked/ (cannot enter directory: permission denied)" in e.value.message


@pytest.mark.parametrize("patterns", [["tests/*.fozzy.json"], ["tests/a.fozzy.json"],
                                      ["tests/{a,x}.fozzy.json"], ["t*/a.fozzy.json"]])
def test_unlistable_directory_the_pattern_cannot_reach_is_not_an_error(
    locked: Path, patterns: list[str]
) -> None:
    assert [s.path for s in discover(patterns)] == ["tests/a.fozzy.json"]


def test_a_walk_past_an_unreachable_locked_dir_just_matches_nothing(locked: Path) -> None:
    with pytest.raises(FozzyError, match="no scenario files matched"):
        discover(["other/*.fozzy.json"])


@pytest.mark.parametrize(("pattern", "directory", "expected"), [
    ("tests/**/*.json", "tests/a/b", True),
    ("tests/*.json", "tests/a", False),
    ("tests/*/x.json", "tests/a", True),
    ("tests/*/x.json", "tests/a/b", False),
    ("tests/[ab]/x.json", "tests/c", False),
    ("{tests,more}/*/x.json", "more/q", True),
    ("*.json", ".", True),
    ("/abs/**/x.json", "/abs/q", True),
    ("/abs/*.json", "/abs/q", False),
])
def test_may_hold(pattern: str, directory: str, expected: bool) -> None:
    assert disc._may_hold(pattern, directory) is expected
