"""`--log LEVEL`: diagnostics on stderr filtered by level; stdout is the same at every level."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.cli.clikit import fozzy

LEVELS = ("trace", "debug", "info", "warn", "error")
SCENARIO = {"version": 1, "name": "s", "steps": [{"type": "trace_event", "name": "e"}]}
#: Far above any machine's cap (4 per usable CPU), so the cap warning always fires.
HUGE_JOBS = "100000"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    for name in ("a", "b"):
        (tmp_path / "tests" / f"{name}.fozzy.json").write_bytes(
            orjson.dumps({**SCENARIO, "name": name}))
    return tmp_path


def test_validate_stdout_is_byte_identical_at_every_level(project: Path) -> None:
    outputs = set()
    for level in LEVELS:
        r = fozzy(project, "--log", level, "--json", "validate", "tests/a.fozzy.json")
        assert r.returncode == 0, r.stderr
        outputs.add(r.stdout)
    assert len(outputs) == 1
    assert orjson.loads(outputs.pop())["ok"] is True


def _volatile(key: str) -> bool:
    return key.startswith("duration") or key in ("identity", "startedAt", "finishedAt")


def stable(report: dict[str, object]) -> dict[str, object]:
    """The report without what differs between any two runs (ids, paths, timings)."""
    scenarios = [{k: v for k, v in s.items() if not _volatile(k)}
                 for s in report["scenarios"]]  # type: ignore[attr-defined]
    return {**{k: v for k, v in report.items() if not _volatile(k)}, "scenarios": scenarios}


def test_test_json_is_one_document_with_the_same_content_at_every_level(project: Path) -> None:
    reports = []
    for level in LEVELS:
        r = fozzy(project, "test", "--det", "--seed", "3", "--jobs", HUGE_JOBS, "--json",
                  "--log", level)
        assert r.returncode == 0, r.stdout + r.stderr
        reports.append(stable(orjson.loads(r.stdout)))
        assert "discovery:" not in r.stdout and "warn:" not in r.stdout
    assert all(r == reports[0] for r in reports)


@pytest.mark.parametrize(("level", "cap", "detail"), [
    ("error", False, False),
    ("warn", True, False),
    ("info", True, False),
    ("debug", True, True),
    ("trace", True, True),
])
def test_stderr_notes_follow_the_level(project: Path, level: str, cap: bool,
                                       detail: bool) -> None:
    r = fozzy(project, "test", "--jobs", HUGE_JOBS, "--json", "--log", level)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ("warn: --jobs 100000 capped at" in r.stderr) is cap
    assert ("debug: discovery: 2 scenario file(s) from [tests/**/*.fozzy.json]" in r.stderr) \
        is detail
    assert ("debug: pool: started worker pid" in r.stderr) is detail
    assert ("trace: discovery: selected tests/a.fozzy.json" in r.stderr) is (level == "trace")


def test_default_level_is_info(project: Path) -> None:
    r = fozzy(project, "test", "--jobs", HUGE_JOBS, "--json")
    assert r.returncode == 0
    assert "warn: --jobs 100000 capped at" in r.stderr
    assert "debug:" not in r.stderr


@pytest.mark.parametrize("argv", [
    ["--log", "debug", "validate", "tests/a.fozzy.json"],
    ["validate", "tests/a.fozzy.json", "--log", "debug"],
    ["validate", "--log=debug", "tests/a.fozzy.json"],
    ["--config", "fozzy.toml", "--log", "DEBUG", "validate", "tests/a.fozzy.json"],
])
def test_flag_is_global_before_or_after_the_command(project: Path, argv: list[str]) -> None:
    r = fozzy(project, *argv)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "debug: config: no file, defaults for" in r.stderr


@pytest.mark.parametrize("argv", [["--log", "loud"], ["--log=verbose"], ["--log", ""]])
def test_bad_level_is_a_one_line_usage_error(project: Path, argv: list[str]) -> None:
    r = fozzy(project, *argv, "validate", "tests/a.fozzy.json")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--log must be one of trace|debug|info|warn|error" in lines[0]
    assert r.stdout == ""
    j = fozzy(project, *argv, "--json", "validate", "tests/a.fozzy.json")
    assert j.returncode == 2
    doc = orjson.loads(j.stdout)
    assert doc["status"] == "error" and "--log must be one of" in doc["message"]


def test_missing_level_is_a_usage_error(project: Path) -> None:
    r = fozzy(project, "validate", "tests/a.fozzy.json", "--log")
    assert r.returncode == 2
    assert "option '--log' requires an argument" in r.stderr
