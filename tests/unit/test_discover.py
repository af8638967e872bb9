"""Scenario discovery for `fozzy test`, and per-scenario seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fozzy.errors import FozzyError
from fozzy.scenario.discover import discover, glob_regex, is_glob, scenario_seed


@pytest.fixture()
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for rel in [
        "tests/a.fozzy.json", "tests/sub/b.fozzy.json", "tests/sub/deep/c.fozzy.json",
        "tests/notes.md", "other/x.fozzy.json", "node_modules/n.fozzy.json",
        "tests/.fozzy/runs/r.fozzy.json", "tests/build/skip.fozzy.json",
    ]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("{}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def paths(patterns: list[str]) -> list[str]:
    return [s.path for s in discover(patterns)]


def test_default_glob_finds_nested_and_prunes(tree: Path) -> None:
    assert paths([]) == ["tests/a.fozzy.json", "tests/sub/b.fozzy.json",
                         "tests/sub/deep/c.fozzy.json"]


def test_star_stays_in_one_segment(tree: Path) -> None:
    assert paths(["tests/*.fozzy.json"]) == ["tests/a.fozzy.json"]
    assert paths(["tests/*"]) == ["tests/a.fozzy.json", "tests/notes.md"]


def test_directory_argument_means_every_scenario_below(tree: Path) -> None:
    assert paths(["tests/sub"]) == ["tests/sub/b.fozzy.json", "tests/sub/deep/c.fozzy.json"]


def test_literal_file_kept_as_typed_and_deduplicated(tree: Path) -> None:
    assert paths(["./tests/a.fozzy.json", "tests/*.fozzy.json"]) == ["./tests/a.fozzy.json"]
    absolute = str(tree / "other/x.fozzy.json")
    assert paths([absolute]) == [absolute]


def test_missing_literal_is_error_even_with_matches(tree: Path) -> None:
    with pytest.raises(FozzyError, match=r"explicit scenario path\(s\) not found: nope\.json"):
        discover(["tests/**/*.fozzy.json", "nope.json"])


def test_glob_matching_nothing_is_error(tree: Path) -> None:
    with pytest.raises(FozzyError, match="no scenario files matched"):
        discover(["zzz/**/*.fozzy.json"])


def test_braces_and_classes(tree: Path) -> None:
    assert paths(["{tests,other}/*.fozzy.json"]) == ["other/x.fozzy.json", "tests/a.fozzy.json"]
    assert paths(["tests/[ab].fozzy.json"]) == ["tests/a.fozzy.json"]
    assert paths(["tests/[!a]*.md"]) == ["tests/notes.md"]


def test_is_glob() -> None:
    assert is_glob("a/*.json") and is_glob("{a,b}") and not is_glob("tests/a.fozzy.json")


@given(st.lists(st.sampled_from(["a", "b", "dir", "x.y"]), min_size=1, max_size=5))
def test_double_star_matches_any_depth(parts: list[str]) -> None:
    path = "/".join(parts) + ".fozzy.json"
    assert glob_regex("**/*.fozzy.json").match(path)
    assert bool(glob_regex("*.fozzy.json").match(path)) == (len(parts) == 1)


def test_seed_depends_only_on_suite_seed_and_relative_path(tmp_path: Path) -> None:
    key = os.path.join(str(tmp_path), "tests", "a.fozzy.json")
    s1 = scenario_seed(7, key, str(tmp_path))
    assert s1 == scenario_seed(7, key, str(tmp_path))
    assert s1 != scenario_seed(8, key, str(tmp_path))
    assert s1 != scenario_seed(7, key.replace("a.", "b."), str(tmp_path))
    assert 0 <= s1 < 2**64
