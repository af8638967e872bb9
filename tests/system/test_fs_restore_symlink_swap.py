"""fs_restore re-checks every path beneath the root: a file (or its parent directory) swapped
for a symlink to the outside between fs_snapshot and fs_restore does not receive the restored
payload. The swap happens mid-run, through a real host process."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.unit.enginekit import run, titles

SWAP = """
import os, shutil, sys
victim, outside = sys.argv[1], sys.argv[2]
if os.path.isdir(victim):
    shutil.rmtree(victim)
else:
    os.remove(victim)
os.symlink(outside, victim)
"""


def swap(victim: str, outside: Path) -> dict[str, Any]:
    return {"type": "proc_spawn", "cmd": sys.executable,
            "args": ["-c", SWAP, victim, str(outside)], "expect_exit": 0}


def host(steps: list[dict[str, Any]], root: Path) -> dict[str, Any]:
    return run(steps, backends={"fs": "host", "proc": "host"}, cwd=str(root), det=False)


def snapshot_swap_restore(path: str, outside: Path, root: Path) -> dict[str, Any]:
    """Write `path`, snapshot it, swap it for a symlink to `outside`, then restore."""
    return host([
        {"type": "fs_write", "path": path, "data": "snapshot payload"},
        {"type": "fs_snapshot", "name": "s"},
        swap(path.split("/")[0], outside),
        {"type": "fs_restore", "name": "s"},
    ], root)


def test_file_swapped_for_an_outside_symlink_is_not_restored_through(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside.txt"
    root.mkdir()
    outside.write_text("outside original")
    r = snapshot_swap_restore("a.txt", outside, root)
    assert titles(r) == ["host_fs_restore"], r["findings"]
    assert "resolves outside the cwd root" in r["findings"][0]["message"]
    assert outside.read_text() == "outside original"


def test_parent_dir_swapped_for_an_outside_symlink_is_not_restored_through(
    tmp_path: Path,
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    r = snapshot_swap_restore("sub/a.txt", outside, root)
    assert titles(r) == ["host_fs_restore"], r["findings"]
    assert list(outside.iterdir()) == []
