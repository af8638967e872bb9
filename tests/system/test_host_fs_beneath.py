"""The host fs sandbox holds against links and races (issue 13): a hard link inside the root
to a file outside never carries a write out, a directory swapped for a symlink to the outside
by a racing `renameat2(RENAME_EXCHANGE)` process never lets a file land outside, and
`fs_restore` puts back pre-existing files (with their content) instead of deleting them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli.clikit import fozzy, scenario
from tests.unit.enginekit import run, titles
from workers.capabilities import beneath

#: Scenario runs per racing test and fs_write steps per run. A run stops at its first
#: refused write, so under load a run may write nothing: runs go on (up to MAX_RACE_RUNS)
#: until at least one write went through, which shows the race was not always lost.
RACE_RUNS = 6
MAX_RACE_RUNS = 200
WRITES_PER_RUN = 150

# A process that swaps `a` and `b` (a directory and a symlink to the outside) as fast as it
# can until killed: atomically with renameat2(RENAME_EXCHANGE) where the kernel has it, else
# by three renames. It prints how it swaps once the first swap is done.
RENAMER = r"""
import ctypes, os, platform, sys
a, b = sys.argv[1], sys.argv[2]
nr = {"x86_64": 316, "aarch64": 276}.get(platform.machine())
libc = ctypes.CDLL(None, use_errno=True)
def exchange():
    return libc.syscall(nr, -100, a.encode(), -100, b.encode(), 2) == 0
atomic = nr is not None and exchange()
print("exchange" if atomic else "renames", flush=True)
tmp = a + ".swap"
while True:
    if atomic:
        exchange()
    else:
        try:
            os.rename(a, tmp); os.rename(b, a); os.rename(tmp, b)
        except OSError:
            pass
"""


def host(steps: list[dict[str, Any]], root: Path) -> dict[str, Any]:
    return run(steps, backends={"fs": "host"}, cwd=str(root), det=False)


def write(path: str, data: str) -> dict[str, Any]:
    return {"type": "fs_write", "path": path, "data": data}


@pytest.fixture(params=[True, False], ids=["openat2", "walk"])
def lookup(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run the test with the openat2 lookup and again with the component walk only."""
    saved = beneath._openat2_usable[0]
    if request.param and not saved:
        pytest.skip("openat2 is not available on this kernel")
    beneath._openat2_usable[0] = bool(request.param)
    yield
    beneath._openat2_usable[0] = saved


def test_a_hard_link_to_an_outside_file_never_carries_a_write_out(
    tmp_path: Path, lookup: None
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside.txt"
    root.mkdir()
    outside.write_text("outside original")
    os.link(outside, root / "h.txt")
    r = host([write("h.txt", "written by the scenario"),
              {"type": "fs_read_assert", "path": "h.txt", "equals": "written by the scenario"}],
             root)
    assert r["status"] == "pass", r["findings"]
    assert outside.read_text() == "outside original"
    assert os.stat(outside).st_nlink == 1


def test_a_racing_exchange_of_dir_and_outside_symlink_never_lands_a_file_outside(
    tmp_path: Path, lookup: None
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "d").mkdir()
    (root / "l").symlink_to(outside, target_is_directory=True)
    renamer = subprocess.Popen(
        [sys.executable, "-c", RENAMER, str(root / "d"), str(root / "l")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert renamer.stdout is not None
        assert renamer.stdout.readline().strip() in ("exchange", "renames")
        attempted = written = runs = 0
        while runs < RACE_RUNS or (written == 0 and runs < MAX_RACE_RUNS):
            n, runs = runs, runs + 1
            steps = [write(f"d/f{n}-{i}.txt", "x") for i in range(WRITES_PER_RUN)]
            r = host(steps, root)
            assert set(titles(r)) <= {"host_fs_path", "host_fs_write"}, r["findings"]
            done = [d for d in r["decisions"] if d["kind"] == "fs_write"]
            attempted += len(done)
            written += sum("failure" not in d for d in done)
    finally:
        renamer.kill()
        renamer.wait()
    assert list(outside.iterdir()) == []
    assert attempted >= RACE_RUNS and written >= 1
    landed = [p for p in root.rglob("*.txt") if not p.is_symlink()]
    assert len(landed) == written


def test_restore_puts_back_preexisting_files_with_their_content(tmp_path: Path) -> None:
    (tmp_path / "o.txt").write_text("user stdout log")
    (tmp_path / "e.txt").write_text("user stderr log")
    (tmp_path / "keep.txt").write_text("only read")
    steps = [
        {"type": "fs_snapshot", "name": "s"},
        write("o.txt", "scenario output"),
        write("e.txt", "scenario errors"),
        {"type": "fs_read_assert", "path": "keep.txt", "equals": "only read"},
        write("new.txt", "created by the run"),
        {"type": "fs_restore", "name": "s"},
    ]
    r = host(steps, tmp_path)
    assert r["status"] == "pass", r["findings"]
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {
        "o.txt": "user stdout log", "e.txt": "user stderr log", "keep.txt": "only read"}


def test_restore_through_the_real_command_keeps_preexisting_files(tmp_path: Path) -> None:
    (tmp_path / "o.txt").write_text("before the run")
    name = scenario(tmp_path, "restore", [
        write("o.txt", "first"),
        {"type": "fs_snapshot", "name": "s"},
        write("o.txt", "second"),
        {"type": "fs_restore", "name": "s"},
        {"type": "fs_read_assert", "path": "o.txt", "equals": "first"},
        {"type": "fs_snapshot", "name": "late"},
    ])
    empty = scenario(tmp_path, "later", [
        {"type": "fs_snapshot", "name": "nothing"},
        write("o.txt", "third"),
        {"type": "fs_restore", "name": "nothing"},
    ])
    for each in (name, empty):
        r = fozzy(tmp_path, "--fs-backend", "host", "run", each, "--json")
        assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "o.txt").read_text() == "first"


@pytest.mark.parametrize("path", ["a\u0000b.txt", "../up.txt", "/tmp/abs.txt"])
def test_bad_paths_are_findings_of_the_step(tmp_path: Path, path: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    name = scenario(root, "bad", [write(path, "x")])
    r = fozzy(root, "--fs-backend", "host", "run", name, "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    doc = orjson.loads(r.stdout)
    assert [f["title"] for f in doc["findings"]] == ["host_fs_path"]
    assert [p.name for p in tmp_path.iterdir()] == ["root"]
    assert list(root.rglob("*.txt")) == []
