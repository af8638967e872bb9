"""`--dask` / FOZZY_DASK / config `dask` on test, fuzz, explore, shrink and doctor: malformed
addresses and a missing `distributed` are one-line exit-2 errors before any work; without
--dask the normal path never imports distributed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.clikit import error_of, fozzy, scenario

COMMANDS = [
    ["test"],
    ["fuzz", "fn:nowhere.py:target", "--runs", "1"],
    ["explore", "nowhere.fozzy.json"],
    ["shrink", "nowhere.fozzy"],
    ["doctor", "--deep", "--scenario", "nowhere.fozzy.json"],
]


@pytest.mark.parametrize("address", ["bogus", "local:0", "local:x", "tcp://host", "tcp://:1",
                                     "http://h:1", "tcp://h:99999"])
def test_a_malformed_address_is_a_one_line_error(tmp_path: Path, address: str) -> None:
    message = error_of(tmp_path, "test", "--dask", address)
    assert "--dask" in message and "\n" not in message


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_that_runs_many_items_takes_the_flag(tmp_path: Path,
                                                           command: list[str]) -> None:
    message = error_of(tmp_path, *command, "--dask", "nope://x")
    assert "expected a scheduler address" in message


def test_the_env_variable_and_the_config_key_are_checked_too(tmp_path: Path) -> None:
    env = {**os.environ, "FOZZY_DASK": "bogus"}
    r = subprocess.run([sys.executable, "-m", "fozzy", "test", "--json"], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=60, check=False)
    assert r.returncode == 2 and "--dask 'bogus'" in r.stdout
    (tmp_path / "fozzy.toml").write_text('dask = "local:nine"\n')
    message = error_of(tmp_path, "test")
    assert "`dask` must be a Dask scheduler address" in message


def test_without_distributed_the_flag_says_what_to_install(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", [{"type": "trace_event", "name": "x"}])
    code = ("import sys; sys.modules['distributed'] = None; from fozzy.cli.app import main;"
            " sys.exit(main())")
    r = subprocess.run([sys.executable, "-c", code, "test", "--dask", "local:1"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "pip install 'fozzy[dask]'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_the_normal_path_does_not_import_distributed(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", [{"type": "trace_event", "name": "x"}])
    code = ("import atexit, sys; atexit.register(lambda: print('distributed' in sys.modules,"
            " file=sys.stderr)); from fozzy.cli.app import main; sys.exit(main())")
    r = subprocess.run([sys.executable, "-c", code, "test", "ok.fozzy.json"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr.strip().splitlines()[-1] == "False"
    assert fozzy(tmp_path, "test", "--help").returncode == 0
