"""`version`, `env` and `usage` through the real command (spec §2.9, §2.10, §2.13, A.18)."""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from fozzy import __version__
from fozzy.cli.cmd_info import USAGE_ITEMS


def fozzy(cwd: Path, *args: str, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    python = [sys.executable, "-X", "importtime"] if importtime else [sys.executable]
    return subprocess.run(
        [*python, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=60, check=False,
    )


def ok_json(cwd: Path, *args: str) -> Any:
    r = fozzy(cwd, *args, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    return orjson.loads(r.stdout)


def test_version_json_and_human(tmp_path: Path) -> None:
    assert ok_json(tmp_path, "version") == {"version": __version__}
    r = fozzy(tmp_path, "version")
    assert (r.returncode, r.stdout) == (0, f"version: {__version__}\n")


def test_version_does_not_read_the_users_git_repository(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert "commit" not in ok_json(tmp_path, "version")


@pytest.mark.parametrize("args", [["version"], ["env"], ["usage"], ["--help"]])
def test_light_commands_start_without_pydantic(tmp_path: Path, args: list[str]) -> None:
    """Typer imports pydantic to coerce non-bool parameters (~100 ms); these commands have
    none, so they must not pay for it."""
    r = fozzy(tmp_path, *args, importtime=True)
    assert r.returncode == 0, r.stderr
    assert "import time:" in r.stderr
    assert "pydantic" not in r.stderr


def test_env_defaults(tmp_path: Path) -> None:
    env = ok_json(tmp_path, "env")
    assert env["os"] == {"darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    assert env["arch"] == {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    assert env["fozzy"] == {"version": __version__}
    caps = env["capabilities"]
    assert list(caps) == sorted(caps)
    assert caps["fs"] == {"backend": "virtual_overlay", "deterministic": True}
    assert caps["http"] == {"backend": "scripted", "deterministic": True}
    assert caps["proc"] == {"backend": "scripted", "deterministic": True}
    for name in ("memory", "net", "rng", "time"):
        assert caps[name]["deterministic"] is True
    assert env["limits"] == {"maxOutputBytes": 8388608, "maxHttpBodyBytes": 8388608}
    assert env["config"] == {"path": "fozzy.toml", "loaded": False, "baseDir": ".fozzy"}


def test_env_reports_backend_flags(tmp_path: Path) -> None:
    caps = ok_json(
        tmp_path, "--proc-backend", "host", "env", "--fs-backend", "host",
        "--http-backend=host",
    )["capabilities"]
    assert caps["proc"] == {"backend": "host", "deterministic": False}
    assert caps["fs"] == {"backend": "host", "deterministic": False}
    assert caps["http"] == {"backend": "host", "deterministic": False}


def test_env_reports_config_backends_and_limits(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text(
        'proc_backend = "host"\nhttp_backend = "host"\nmax_output_bytes = 4096\n'
    )
    env = ok_json(tmp_path, "env")
    assert env["capabilities"]["proc"]["backend"] == "host"
    assert env["capabilities"]["http"]["backend"] == "host"
    assert env["capabilities"]["fs"]["backend"] == "virtual_overlay"
    assert env["limits"]["maxOutputBytes"] == 4096
    assert env["config"]["loaded"] is True


def test_env_flag_beats_config(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text('proc_backend = "host"\nfs_backend = "host"\n')
    caps = ok_json(tmp_path, "env", "--proc-backend", "scripted")["capabilities"]
    assert caps["proc"] == {"backend": "scripted", "deterministic": True}
    assert caps["fs"] == {"backend": "host", "deterministic": False}


def test_env_human_listing_is_sorted_key_value(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "env")
    assert r.returncode == 0
    top = [line.split(":")[0] for line in r.stdout.splitlines() if not line.startswith(" ")]
    assert top == sorted(top)
    assert "  proc:" in r.stdout and "    backend: scripted" in r.stdout


def registered_commands(cwd: Path) -> set[str]:
    r = fozzy(cwd, "--help")
    section = r.stdout.split("Commands:\n", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ")}


def test_usage_lists_registered_commands_only(tmp_path: Path) -> None:
    doc = ok_json(tmp_path, "usage")
    assert doc["title"]
    items = doc["items"]
    assert all(set(it) == {"command", "when", "how"} for it in items)
    named = {it["command"].split()[1] for it in items}
    known = {command.split()[1] for command, _, _ in USAGE_ITEMS}
    assert named == known & registered_commands(tmp_path)
    assert {"init", "version", "env", "usage"} <= named
    for it in items:
        assert it["how"].startswith(it["command"]), it


def test_every_usage_suggestion_is_a_real_command_line(tmp_path: Path) -> None:
    """A suggestion naming a subcommand that does not exist (`corpus ls` for `corpus list`)
    sends the reader to an error; `--help` on the suggested line, minus its optional
    `[...]` parts, resolves every command and subcommand the line names."""
    items = ok_json(tmp_path, "usage")["items"]
    for it in items:
        line = re.sub(r"\s*\[[^\]]*\]", "", it["how"]).split()
        assert line[0] == "fozzy", it
        r = fozzy(tmp_path, *line[1:], "--help")
        assert r.returncode == 0, (it["how"], r.stdout + r.stderr)
        assert "Usage:" in r.stdout, it["how"]


def test_usage_human_layout(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "usage")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] and lines[1] == ""
    body = lines[2:]
    assert len(body) % 3 == 0
    for i in range(0, len(body), 3):
        assert body[i].startswith("fozzy ")
        assert body[i + 1].startswith("  when: ")
        assert body[i + 2].startswith("  how:  fozzy ")
