"""The SDK's profile, map and workflow methods against the real `fozzy`: each returns the
document the CLI prints for the same call (both clients), writes files where asked, and
raises CommandError for exit 2 (issue 17)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from fozzy.sdk import AsyncFozzy, CommandError, Fozzy
from tests import mapfixture as fx
from tests.cli.clikit import ok_json, scenario

BIN = str(Path(sys.executable).with_name("fozzy"))

STEPS = [{"type": "set_kv", "key": "a", "value": "1"},
         {"type": "sleep", "duration": "5ms"},
         {"type": "get_kv_assert", "key": "a", "equals": "1"}]


@pytest.fixture
def traced(tmp_path: Path) -> tuple[Fozzy, str]:
    """A client in `tmp_path` and a small recorded trace there."""
    fz = Fozzy(bin=BIN, cwd=str(tmp_path))
    path = scenario(tmp_path, "kv", STEPS)
    summary = fz.run(path, det=True, seed=3, record="kv.fozzy", profile_capture="full")
    assert summary["status"] == "pass"
    return fz, summary["identity"]["tracePath"]


def test_profile_top_and_diff_are_the_cli_documents(tmp_path: Path,
                                                    traced: tuple[Fozzy, str]) -> None:
    fz, trace = traced
    top = fz.profile_top(trace, cpu=True, limit=2)
    assert top == ok_json(tmp_path, "profile", "top", trace, "--cpu", "--limit", "2")
    assert top["schemaVersion"] == "fozzy.profile_top.v1" and top["domains"] == ["cpu"]
    assert 0 < len(top["cpu"]) <= 2
    diff = fz.profile_diff(trace, trace)
    assert diff == ok_json(tmp_path, "profile", "diff", trace, trace)
    assert diff["summary"]["verdict"] == "stable"
    assert asyncio.run(AsyncFozzy(bin=BIN, cwd=str(tmp_path)).profile_top(
        trace, cpu=True, limit=2)) == top


def test_file_writing_methods_return_the_summary(tmp_path: Path,
                                                 traced: tuple[Fozzy, str]) -> None:
    fz, trace = traced
    export = fz.profile_export(trace, format="speedscope", out="p.speedscope.json", cpu=True)
    assert export["out"] == str(tmp_path / "p.speedscope.json")
    assert export["bytes"] == (tmp_path / "p.speedscope.json").stat().st_size > 0
    flame = fz.profile_flame(trace, format="folded", out="f.txt")
    assert flame.get("out") == str(tmp_path / "f.txt")
    assert "content" not in flame
    assert "content" in fz.profile_flame(trace, format="folded")


def test_exit_2_raises_command_error(tmp_path: Path, traced: tuple[Fozzy, str]) -> None:
    fz, trace = traced
    with pytest.raises(CommandError) as info:
        fz.profile_flame(trace, cpu=True, heap=True)
    assert info.value.exit_code == 2 and "pick one domain" in info.value.message
    with pytest.raises(CommandError):
        fz.map_suites(min_risk=101)


def test_map_suites_is_the_cli_document(tmp_path: Path) -> None:
    fx.build(tmp_path)
    fz = Fozzy(bin=BIN, cwd=str(tmp_path))
    suites = fz.map_suites(min_risk=0, all_=True)
    assert suites == ok_json(tmp_path, "map", "suites", "--min-risk", "0", "--all")
    assert suites["scenarioCount"] == 1 and suites["root"] == str(tmp_path)
    assert suites["invalidScenarios"][0].startswith(fx.INVALID)


def test_gate_returns_its_report(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    scenario(tmp_path / "tests", "kv", STEPS)
    report = Fozzy(bin=BIN, cwd=str(tmp_path)).gate(
        scenario_root="tests", doctor_runs=2, skip_steps=["clean_tree"])
    assert report["schemaVersion"] == "fozzy.gate_report.v1"
    assert report["status"] == "pass", report["steps"]
    assert report["matchedScenarios"] == ["tests/kv.fozzy.json"]
    steps = {s["name"]: s["status"] for s in report["steps"]}
    assert steps["clean_tree"] == "skipped" and steps["profile_top"] == "passed"
