"""Symlink refusal through the real command: `fozzy --fs-backend host run` refuses a write
through a symlink that leaves the working directory, fails the run, and writes nothing there."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.clikit import fozzy, scenario


def test_run_refuses_to_write_through_an_escaping_symlink(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    name = scenario(root, "escape", [{"type": "fs_write", "path": "link/evil.txt", "data": "x"}])
    r = fozzy(root, "--fs-backend", "host", "run", name, "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    doc = orjson.loads(r.stdout)
    assert doc["status"] == "fail"
    assert [f["title"] for f in doc["findings"]] == ["host_fs_path"]
    assert "through a symlink" in doc["findings"][0]["message"]
    assert list(outside.iterdir()) == []


def test_run_writes_through_a_symlink_that_stays_inside(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    name = scenario(tmp_path, "inside", [{"type": "fs_write", "path": "alias/f.txt", "data": "y"}])
    r = fozzy(tmp_path, "--fs-backend", "host", "run", name, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "real" / "f.txt").read_text() == "y"
