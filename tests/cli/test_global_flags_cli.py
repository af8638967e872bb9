"""Global flags through the real command (spec §1.1–1.4, DECISIONS): accepted before and after
the subcommand, `--cwd` applied before the config is loaded, and every bad invocation ends in
exit 2 with one error line (or one JSON envelope) and never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from fozzy import __version__


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=60, check=False,
    )


def ok_json(cwd: Path, *args: str) -> Any:
    r = fozzy(cwd, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return orjson.loads(r.stdout)


def error_envelope(r: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """Exit 2, exactly one JSON document on stdout with the error envelope, no traceback."""
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    doc: dict[str, Any] = orjson.loads(r.stdout)
    assert doc["status"] == "error"
    assert isinstance(doc["code"], str) and doc["code"]
    assert isinstance(doc["message"], str) and doc["message"]
    return doc


def human_error(r: subprocess.CompletedProcess[str]) -> str:
    """Exit 2, nothing on stdout, one `error ...` line on stderr."""
    assert r.returncode == 2
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error ")
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [["--json", "version"], ["version", "--json"], ["--json=true", "version"]],
)
def test_json_flag_before_or_after_the_command(tmp_path: Path, args: list[str]) -> None:
    assert ok_json(tmp_path, *args) == {"version": __version__}


def test_json_false_is_human_output(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "version", "--json=false")
    assert r.returncode == 0
    assert r.stdout == f"version: {__version__}\n"


@pytest.mark.parametrize("where", ["before", "after"])
def test_cwd_before_or_after_the_command_loads_that_dirs_config(
    tmp_path: Path, where: str
) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "fozzy.toml").write_text('base_dir = "from-proj"\n')
    args = (["--cwd", "proj", "env", "--json"] if where == "before"
            else ["env", "--json", "--cwd=proj"])
    env = ok_json(tmp_path, *args)
    assert env["config"] == {"path": "fozzy.toml", "loaded": True, "baseDir": "from-proj"}


def test_config_is_resolved_relative_to_cwd(tmp_path: Path) -> None:
    (tmp_path / "proj/conf").mkdir(parents=True)
    (tmp_path / "proj/conf/c.toml").write_text('base_dir = "inner"\nfs_backend = "host"\n')
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf/c.toml").write_text('base_dir = "outer"\n')
    env = ok_json(tmp_path, "env", "--config", "conf/c.toml", "--cwd", "proj", "--json")
    assert env["config"]["baseDir"] == "inner"
    assert env["capabilities"]["fs"]["backend"] == "host"


def test_config_flag_after_the_command(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('proc_backend = "host"\n')
    env = ok_json(tmp_path, "env", "--config=c.toml", "--json")
    assert env["config"]["path"] == "c.toml"
    assert env["capabilities"]["proc"] == {"backend": "host", "deterministic": False}


def test_missing_config_named_explicitly_means_defaults(tmp_path: Path) -> None:
    env = ok_json(tmp_path, "--config", "absent.toml", "env", "--json")
    assert env["config"] == {"path": "absent.toml", "loaded": False, "baseDir": ".fozzy"}


def test_bad_cwd(tmp_path: Path) -> None:
    doc = error_envelope(fozzy(tmp_path, "--json", "--cwd", "nowhere", "version"))
    assert doc["message"].startswith("failed to set cwd to nowhere")


def test_strict_and_unsafe_conflict(tmp_path: Path) -> None:
    doc = error_envelope(fozzy(tmp_path, "--strict", "version", "--unsafe", "--json"))
    assert "--strict and --unsafe cannot be used together" in doc["message"]
    line = human_error(fozzy(tmp_path, "--strict-verify", "--unsafe", "version"))
    assert "--strict and --unsafe" in line


@pytest.mark.parametrize("flag", ["--strict", "--strict-verify", "--unsafe"])
def test_strict_flags_alone_are_accepted(tmp_path: Path, flag: str) -> None:
    assert ok_json(tmp_path, flag, "version", "--json") == {"version": __version__}


@pytest.mark.parametrize(
    ("flag", "value", "choices"),
    [
        ("--proc-backend", "virtual", "scripted|host"),
        ("--fs-backend", "scripted", "virtual|host"),
        ("--http-backend", "HOST", "scripted|host"),
    ],
)
def test_bad_backend_value(tmp_path: Path, flag: str, value: str, choices: str) -> None:
    doc = error_envelope(fozzy(tmp_path, "env", flag, value, "--json"))
    assert f"{flag} must be one of {choices}, got '{value}'" in doc["message"]
    human_error(fozzy(tmp_path, flag, value, "env"))


def test_value_flag_without_a_value(tmp_path: Path) -> None:
    doc = error_envelope(fozzy(tmp_path, "--json", "version", "--config"))
    assert "'--config' requires an argument" in doc["message"]


def test_switch_with_a_value(tmp_path: Path) -> None:
    doc = error_envelope(fozzy(tmp_path, "--json", "--unsafe=yes", "version"))
    assert "'--unsafe' does not take a value" in doc["message"]


def test_unknown_command(tmp_path: Path) -> None:
    doc = error_envelope(fozzy(tmp_path, "--json", "frobnicate"))
    assert "frobnicate" in doc["message"]
    assert "frobnicate" in human_error(fozzy(tmp_path, "frobnicate"))


def test_unknown_command_suggests_a_close_one(tmp_path: Path) -> None:
    doc = error_envelope(fozzy(tmp_path, "verison", "--json"))
    assert "version" in doc["message"]


def test_unknown_flag(tmp_path: Path) -> None:
    doc = error_envelope(fozzy(tmp_path, "version", "--frob", "--json"))
    assert "--frob" in doc["message"]
    assert "--frob" in human_error(fozzy(tmp_path, "--frob", "version"))


def test_missing_command(tmp_path: Path) -> None:
    doc = error_envelope(fozzy(tmp_path, "--json"))
    assert "missing command" in doc["message"]


def test_broken_config_fails_every_command(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text("proc_backend = [\n")
    for cmd in ("version", "env", "usage"):
        doc = error_envelope(fozzy(tmp_path, cmd, "--json"))
        assert doc["message"].startswith("config error: failed to parse config fozzy.toml")


def test_config_that_is_a_directory_fails(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").mkdir()
    line = human_error(fozzy(tmp_path, "version"))
    assert "config error: failed to read config fozzy.toml" in line


def test_unknown_config_key_fails_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text("mem_trak = true\n")
    doc = error_envelope(fozzy(tmp_path, "--json", "env"))
    assert "unknown key `mem_trak`" in doc["message"]
    assert "did you mean `mem_track`" in doc["message"]


def test_help_lists_global_options_and_commands(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "--help")
    assert r.returncode == 0
    assert r.stderr == ""
    for text in ("--config PATH", "--cwd DIR", "--json", "--no-color", "--strict",
                 "--unsafe", "--proc-backend", "--fs-backend", "--http-backend",
                 "init", "version", "env", "usage"):
        assert text in r.stdout


def test_help_does_not_need_a_valid_config(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text("not toml at all =\n")
    assert fozzy(tmp_path, "--help").returncode == 0
    assert fozzy(tmp_path, "init", "--help").returncode == 0


def test_version_flag(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "--version")
    assert (r.returncode, r.stdout) == (0, f"fozzy {__version__}\n")


def test_flags_after_double_dash_are_not_global(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "version", "--", "--json")
    assert r.returncode == 2
    assert not r.stdout.lstrip().startswith("{")
