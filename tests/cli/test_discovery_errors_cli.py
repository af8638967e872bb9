"""Nothing selected is skipped silently: unreadable selections are exit 2 naming each path.

Before, a dangling symlink, a FIFO or an unlistable directory under a suite root was skipped
without a word and the suite passed on the rest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.cli.clikit import fozzy

GOOD = {"version": 1, "name": "good", "steps": [{"type": "trace_event", "name": "e"}]}
ROOT = os.geteuid() == 0
NEEDS_PERMISSIONS = pytest.mark.skipif(
    ROOT, reason="running as root: permission bits do not stop root from reading or listing"
)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "good.fozzy.json").write_bytes(orjson.dumps(GOOD))
    return tmp_path


def refused(cwd: Path, *args: str) -> str:
    """The one-line error of a command that must stop before running anything."""
    r = fozzy(cwd, "test", *args, "--json")
    assert r.returncode == 2, r.stdout + r.stderr
    doc = orjson.loads(r.stdout)
    assert doc["status"] == "error"
    assert "\n" not in doc["message"]
    assert not (cwd / ".fozzy" / "runs").exists(), "nothing may run"
    human = fozzy(cwd, "test", *args)
    assert human.returncode == 2
    assert "Traceback" not in human.stderr
    assert len(human.stderr.strip().splitlines()) == 1, human.stderr
    return str(doc["message"])


def test_dangling_symlink_in_a_suite_directory_is_an_error(suite: Path) -> None:
    (suite / "tests" / "gone.fozzy.json").symlink_to(suite / "missing.json")
    for args in ([], ["tests"], ["tests/*.fozzy.json"]):
        message = refused(suite, *args)
        assert "tests/gone.fozzy.json (dangling symlink)" in message, message


def test_dangling_symlink_named_literally_is_an_error(suite: Path) -> None:
    (suite / "gone.fozzy.json").symlink_to(suite / "missing.json")
    message = refused(suite, "gone.fozzy.json")
    assert "gone.fozzy.json (dangling symlink)" in message


def test_a_symlink_to_a_scenario_is_still_selected(suite: Path) -> None:
    (suite / "tests" / "alias.fozzy.json").symlink_to(suite / "tests" / "good.fozzy.json")
    r = fozzy(suite, "test", "tests", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(orjson.loads(r.stdout)["scenarios"]) == 2


@pytest.fixture
def fifo(suite: Path) -> Iterator[Path]:
    path = suite / "tests" / "x.fozzy.json"
    os.mkfifo(path)
    yield path
    path.unlink()


def test_fifo_named_like_a_scenario_is_an_error_and_never_opened(suite: Path,
                                                                 fifo: Path) -> None:
    for args in ([], ["tests"], ["tests/x.fozzy.json"]):
        message = refused(suite, *args)
        assert "tests/x.fozzy.json (not a regular file)" in message, message


def test_every_problem_is_named_in_one_line(suite: Path, fifo: Path) -> None:
    (suite / "tests" / "gone.fozzy.json").symlink_to(suite / "missing.json")
    message = refused(suite, "tests")
    assert "gone.fozzy.json (dangling symlink)" in message
    assert "x.fozzy.json (not a regular file)" in message


def test_other_non_scenario_entries_do_not_matter(suite: Path) -> None:
    os.mkfifo(suite / "tests" / "pipe")
    (suite / "tests" / "gone.txt").symlink_to(suite / "missing.txt")
    r = fozzy(suite, "test", "tests", "--json")
    assert r.returncode == 0, r.stdout + r.stderr


@NEEDS_PERMISSIONS
def test_unreadable_scenario_file_is_an_error(suite: Path) -> None:
    path = suite / "tests" / "secret.fozzy.json"
    path.write_bytes(orjson.dumps(GOOD))
    path.chmod(0)
    try:
        message = refused(suite, "tests")
    finally:
        path.chmod(0o644)
    assert "secret.fozzy.json" in message
    assert "permission denied" in message.lower()


@NEEDS_PERMISSIONS
def test_directory_that_cannot_be_entered_is_an_error(suite: Path) -> None:
    locked = suite / "tests" / "locked"
    locked.mkdir()
    (locked / "inner.fozzy.json").write_bytes(orjson.dumps(GOOD))
    locked.chmod(0)
    try:
        message = refused(suite, "tests")
    finally:
        locked.chmod(0o755)
    assert "tests/locked/ (cannot enter directory: permission denied)" in message


def test_skipped_scenarios_are_named_with_their_reason(suite: Path) -> None:
    (suite / "tests" / "dist.fozzy.json").write_bytes(orjson.dumps({
        "version": 1, "name": "dist",
        "distributed": {"node_count": 1, "steps": []},
    }))
    (suite / "tests" / "other.fozzy.json").write_bytes(orjson.dumps({**GOOD, "name": "other"}))
    r = fozzy(suite, "test", "--skip-distributed", "--filter", "good")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert "skipped" in lines
    assert "  SKIPPED tests/dist.fozzy.json: filtered out by 'good'" in lines
    assert "  SKIPPED tests/other.fozzy.json: filtered out by 'good'" in lines
    r = fozzy(suite, "test", "--skip-distributed")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "  SKIPPED tests/dist.fozzy.json: distributed: use fozzy explore" in r.stdout
