"""What the commands that run scenarios or fuzz import on the way: the local pool forks, so
nothing it sends is pickled and `dill` (15-25 ms of every start-up, pulled in by
`multiprocess`) must stay off that path, and so must the standard `multiprocessing` (about
13 ms: `workers.forked` forks instead); the Dask side, which spawns, still uses them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli.clikit import scenario

STEPS = [{"type": "set_kv", "key": "k", "value": "v"},
         {"type": "get_kv_assert", "key": "k", "equals": "v"}]


def imports_of(cwd: Path, *args: str, code: int = 0) -> tuple[dict[str, Any], set[str]]:
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "fozzy", *args, "--json"],
                       cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == code, r.stdout + r.stderr
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
    assert "workers.forked" in modules  # the forked workers really ran
    assert not {"dill", "multiprocess", "multiprocessing"} & modules


def test_fn_fuzz_builds_no_step_registry_and_skips_psutil(tmp_path: Path) -> None:
    """An `fn:` campaign never runs a step, and recording its crash trace takes the trace
    lock, whose owner check reads /proc instead of importing psutil."""
    (tmp_path / "target.py").write_text(
        "def check(data: bytes) -> None:\n"
        "    if data[:1] == b'F':\n"
        "        raise RuntimeError('found')\n")
    doc, modules = imports_of(tmp_path, "fuzz", "fn:target.py:check", "--jobs", "1",
                              "--runs", "2000", "--seed", "1", "--crash-only", code=1)
    assert doc["fuzz"]["crashes"], doc
    assert "workers.forked" in modules and "multiprocessing" not in modules
    assert "workers.steps.families" not in modules and "psutil" not in modules
