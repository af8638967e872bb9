"""Discovery's shortcuts (keys built from the walk root, NUL-separated sort keys) give exactly
what normalizing every path and sorting by path components would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fozzy.scenario.discover import discover

NAMES = ["a", "a-b", "a.b", "ab", "b", "A", "a b"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3), min_size=1, max_size=8))
def test_keys_and_order_match_the_slow_definition(
    tmp_path_factory: pytest.TempPathFactory, trees: list[list[str]]
) -> None:
    root = tmp_path_factory.mktemp("tree")
    for parts in trees:
        d = root.joinpath("tests", *parts[:-1])
        if d.exists() and not d.is_dir():
            continue
        d.mkdir(parents=True, exist_ok=True)
        target = d / f"{parts[-1]}.fozzy.json"
        if not target.exists():
            target.write_text("{}")
    old = os.getcwd()
    os.chdir(root)
    try:
        for patterns in ([], ["tests"], ["./tests/"], [str(root / "tests")],
                         [str(root) + "/tests/**/*.fozzy.json"], ["tests/../tests"]):
            found = discover(patterns)
            for s in found:
                assert s.key == os.path.normpath(os.path.join(str(root), s.path))
            assert [s.key for s in found] == sorted((s.key for s in found),
                                                    key=lambda k: Path(k).parts)
            assert len({s.key for s in found}) == len(found)
    finally:
        os.chdir(old)
