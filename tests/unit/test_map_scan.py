"""The repository walk treats every file as hostile: links, FIFOs, huge and odd files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fozzy.analysis.map.scan import MapError, scan_repository
from fozzy.analysis.map.scenarios import scan_scenarios


def test_linked_directories_are_not_entered(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.py").write_text("import threading\nthreading.Thread()\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "loop").symlink_to(repo, target_is_directory=True)
    (repo / "escape").symlink_to(outside, target_is_directory=True)
    (repo / "a.py").write_text("x = 1\n")
    scan = scan_repository(str(repo))
    assert [f.path for f in scan.files] == ["a.py"]
    assert scan.skipped == []


def test_links_to_special_files_are_refused_on_the_descriptor(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "fifo.py").symlink_to(tmp_path / "fifo")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing")
    scan = scan_repository(str(tmp_path))
    assert scan.files == []
    reasons = dict(s.split(": ", 1) for s in scan.skipped)
    assert reasons["fifo.py"] == "failed to open: is a FIFO, not a regular file"
    assert reasons["zero.py"] == "failed to open: is a character device, not a regular file"
    assert reasons["dangling.py"].startswith("failed to open: No such file")


def test_skipped_directories_and_non_candidates(tmp_path: Path) -> None:
    for d in (".git", "node_modules", "Build", "__pycache__", "docs"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "x.py").write_text("x = 1\n")
    (tmp_path / "package-lock.json").write_text("{}")
    (tmp_path / "README.md").write_text("thread socket")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.go").write_text("go func() {}()\n")
    scan = scan_repository(str(tmp_path))
    assert [f.path for f in scan.files] == ["src/m.go"]
    assert scan.files[0].signals.analysis == "lines"


def test_missing_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MapError, match="not a directory"):
        scan_repository(str(tmp_path / "nope"))


def test_wall_budget_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(MapError, match="wall-clock budget"):
        scan_repository(str(tmp_path), deadline=0.0)


def test_scenarios_in_examples_and_build_dirs_still_count(tmp_path: Path) -> None:
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "a.fozzy.json").write_text(
        '{"version": 1, "name": "a", "steps": [{"type": "sleep", "duration": "1ms"}]}')
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "b.fozzy.json").write_text("not json")
    found = scan_scenarios(str(tmp_path))
    assert [f.path for f in found.facts] == ["examples/a.fozzy.json"]
    assert found.unreadable == []


def test_distributed_and_host_facts(tmp_path: Path) -> None:
    (tmp_path / "d.fozzy.json").write_text(
        '{"version": 1, "name": "d", "distributed": {"node_count": 2, "steps": ['
        '{"type": "client_put", "node": "n0", "key": "k", "value": "v"},'
        '{"type": "crash", "node": "n1"}], "invariants": []}}')
    (tmp_path / "h.fozzy.json").write_text(
        '{"version": 1, "name": "h", "steps": [{"type": "assert_throws", "steps": ['
        '{"type": "fs_write", "path": "x", "data": "y"}, {"type": "fail", "message": "no"}]}]}')
    found = scan_scenarios(str(tmp_path))
    d, h = found.facts
    assert (d.variant, d.node_count, d.explore, d.shrink, d.failure) == (
        "distributed", True, True, True, True)
    assert (h.variant, h.host, h.failure, h.explore) == ("steps", True, True, False)
