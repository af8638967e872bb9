"""Helpers for tests that drive the real `fozzy` command in a temporary directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )


def ok_json(cwd: Path, *args: str) -> Any:
    r = fozzy(cwd, *args, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    return orjson.loads(r.stdout)


def error_of(cwd: Path, *args: str) -> str:
    """The message of the one JSON error envelope a failing command prints (exit 2)."""
    r = fozzy(cwd, *args, "--json")
    assert r.returncode == 2, r.stdout + r.stderr
    doc = orjson.loads(r.stdout)
    assert doc["status"] == "error"
    return str(doc["message"])


def scenario(tmp_path: Path, name: str, steps: list[dict[str, Any]]) -> str:
    path = tmp_path / f"{name}.fozzy.json"
    path.write_bytes(orjson.dumps({"version": 1, "name": name, "steps": steps}))
    return path.name


#: A real process printing the wall clock in nanoseconds: the planted nondeterminism of the
#: determinism-audit tests (`doctor --deep`).
WALL_CLOCK_STEPS: list[dict[str, Any]] = [
    {"type": "trace_event", "name": "before"},
    {"type": "proc_spawn", "cmd": "date", "args": ["+%s%N"], "expect_exit": 0},
]


def fozzy_minimal_env(cwd: Path, *args: str, env: dict[str, str] | None = None
                      ) -> subprocess.CompletedProcess[str]:
    """`fozzy` with only PATH and HOME (the temp dir) plus `env`, so that what a command
    reports about its environment (doctor) owes nothing to the runner's own variables."""
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=180, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})},
    )
