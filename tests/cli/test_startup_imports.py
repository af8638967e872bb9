"""What the commands that run scenarios import on the way: the local pool forks, so nothing it
sends is pickled and `dill` (15-25 ms of every start-up, pulled in by `multiprocess`) must stay
off that path; the Dask side, which spawns, still uses `multiprocess`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.cli.clikit import scenario

STEPS = [{"type": "set_kv", "key": "k", "value": "v"},
         {"type": "get_kv_assert", "key": "k", "equals": "v"}]


def imports_of(cwd: Path, *args: str) -> tuple[dict[str, object], set[str]]:
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "fozzy", *args, "--json"],
                       cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    modules = {line.split("|")[-1].strip() for line in r.stderr.splitlines()
               if line.startswith("import time:")}
    return orjson.loads(r.stdout), modules


@pytest.mark.parametrize("command", [["run"], ["test", "--jobs", "2"]])
def test_pool_commands_run_without_dill(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "tests").mkdir()
    path = scenario(tmp_path / "tests", "kv", STEPS)
    args = [*command, f"tests/{path}"] if command[0] == "run" else command
    doc, modules = imports_of(tmp_path, *args)
    assert doc["status"] == "pass"
    assert "multiprocessing" in modules  # the forked workers really ran
    assert "dill" not in modules and "multiprocess" not in modules
