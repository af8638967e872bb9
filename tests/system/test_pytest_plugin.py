"""The pytest plugin through real `python -m pytest` runs in a temp project: opt-in, outcomes
on fozzy's worker pool, xdist, selection, reproduce commands and JUnit."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "explore"
FOZZY = str(Path(sys.executable).parent / "fozzy")
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FOZZY_"))}
HOST = ["--fozzy-proc-backend", "host", "--fozzy-timeout", "1s"]
EXIT = {"pass": 0, "fail": 1, "timeout": 3, "crash": 4}

PROBE = '''
import sys

def test_probe():
    heavy = ("fozzy.modes", "fozzy.executor", "fozzy.pytesting", "fozzy.scenario", "workers")
    loaded = sorted(m for m in sys.modules if m.startswith(("fozzy", "workers")))
    assert "fozzy.pytest_plugin" in loaded
    assert [m for m in loaded if m.startswith(heavy)] == []
'''


def pytest_run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=tmp, capture_output=True, text=True, timeout=240, env=ENV)


def scenario(tmp: Path, name: str, steps: list[dict[str, Any]]) -> None:
    path = tmp / "tests" / f"{name}.fozzy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "name": name, "steps": steps}))


def kv(value: str, expected: str) -> list[dict[str, Any]]:
    return [{"type": "set_kv", "key": "k", "value": value},
            {"type": "get_kv_assert", "key": "k", "equals": expected}]


def junit(path: Path) -> dict[str, dict[str, str]]:
    """Per testcase name: its properties plus `outcome` (passed/failed/error/skipped)."""
    out: dict[str, dict[str, str]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        kinds = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        props["outcome"] = kinds[0] if kinds else "passed"
        out[case.get("name", "")] = props
    return out


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """ok/bad (scripted), hang and killer (host processes), and a plain pytest test."""
    scenario(tmp_path, "ok", kv("1", "1"))
    scenario(tmp_path, "bad", kv("1", "2"))
    scenario(tmp_path, "hang", [{"type": "proc_spawn", "cmd": "sleep", "args": ["30"]}])
    scenario(tmp_path, "killer", [
        {"type": "proc_spawn", "cmd": "sh", "args": ["-c", "kill -9 $PPID"]}])
    (tmp_path / "tests" / "test_plain.py").write_text("def test_plain():\n    pass\n")
    return tmp_path


def test_without_fozzy_nothing_is_collected_and_nothing_heavy_imported(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", kv("1", "1"))
    (tmp_path / "test_probe.py").write_text(PROBE)
    proc = pytest_run(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert "fozzy:" not in proc.stdout  # no session header either


def test_fozzy_flag_or_ini_enables_and_no_fozzy_disables(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", kv("1", "1"))
    proc = pytest_run(tmp_path, "--fozzy", "--fozzy-seed", "5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert "fozzy: seed 5," in proc.stdout
    (tmp_path / "pytest.ini").write_text("[pytest]\nfozzy = true\n")
    proc = pytest_run(tmp_path)
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout
    proc = pytest_run(tmp_path, "-p", "no:fozzy")
    assert proc.returncode == 5, proc.stdout + proc.stderr  # no tests: the plugin is off


def test_fozzy_classes_do_not_warn_when_imported_in_test_modules(tmp_path: Path) -> None:
    (tmp_path / "test_imports.py").write_text(
        "from fozzy.modes.test import TestRequest\n\ndef test_x():\n    assert TestRequest\n")
    proc = pytest_run(tmp_path, "-W", "error::pytest.PytestCollectionWarning")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_pass_fail_timeout_crash_report_right(suite: Path) -> None:
    proc = pytest_run(suite, "--fozzy", "--fozzy-seed", "7", *HOST, "--junitxml", "j.xml")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "3 failed, 2 passed" in out
    assert "fozzy FAIL" in out and "get_kv_assert" in out
    assert "fozzy TIMEOUT" in out
    assert "fozzy CRASH" in out and "SIGKILL" in out
    assert "Traceback" not in out and "fozzy/pytesting" not in out
    cases = junit(suite / "j.xml")
    assert sorted(cases) == ["bad", "hang", "killer", "ok", "test_plain"]
    status = {n: c.get("fozzy_status") for n, c in cases.items() if n != "test_plain"}
    assert status == {"ok": "pass", "bad": "fail", "hang": "timeout", "killer": "crash"}
    assert cases["ok"]["outcome"] == "passed" and "fozzy_reproduce" not in cases["ok"]
    for name in ("bad", "hang", "killer"):
        assert cases[name]["outcome"] == "failure"
        assert cases[name]["fozzy_reproduce"].startswith("fozzy ")
        assert f"--seed {cases[name]['fozzy_seed']}" in cases[name]["fozzy_reproduce"]


def test_seeds_and_outcomes_agree_with_fozzy_test(suite: Path) -> None:
    proc = pytest_run(suite, "--fozzy", "--fozzy-seed", "11", *HOST, "--junitxml", "j.xml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    cases = junit(suite / "j.xml")
    cli = subprocess.run([FOZZY, "--proc-backend", "host", "--json", "test", "tests", "--seed",
                          "11", "--timeout", "1s"], cwd=suite, capture_output=True, text=True,
                         timeout=120, env=ENV)
    rows = {r["name"]: r for r in json.loads(cli.stdout)["scenarios"]}
    assert set(rows) == {n for n in cases if n != "test_plain"}
    for name, row in rows.items():
        assert cases[name]["fozzy_seed"] == str(row["seed"])
        assert cases[name]["fozzy_status"] == row["status"]


def test_xdist_gives_the_same_outcomes(suite: Path) -> None:
    serial = pytest_run(suite, "--fozzy", "--fozzy-seed", "3", *HOST, "--junitxml", "a.xml")
    parallel = pytest_run(suite, "--fozzy", "--fozzy-seed", "3", *HOST, "-n", "2",
                          "--junitxml", "b.xml")
    assert parallel.returncode == serial.returncode == 1, parallel.stdout + parallel.stderr
    a, b = junit(suite / "a.xml"), junit(suite / "b.xml")
    assert a == b


def test_xdist_workers_share_the_controllers_random_seed(suite: Path) -> None:
    parallel = pytest_run(suite, "--fozzy", *HOST, "-n", "2", "--junitxml", "b.xml")
    seed = parallel.stdout.split("fozzy: seed ", 1)[1].split(",", 1)[0]
    pytest_run(suite, "--fozzy", "--fozzy-seed", seed, *HOST, "--junitxml", "a.xml")
    assert junit(suite / "a.xml") == junit(suite / "b.xml")


def test_nothing_runs_past_the_failure_that_stops_an_x_session(tmp_path: Path) -> None:
    slow = {"type": "proc_spawn", "cmd": "sleep", "args": ["0.5"]}  # zz would run meanwhile
    scenario(tmp_path, "aa", [slow, *kv("1", "2")])
    scenario(tmp_path, "zz", [{"type": "proc_spawn", "cmd": "touch", "args": ["ran-zz"]}])
    proc = pytest_run(tmp_path, "--fozzy", *HOST, "--fozzy-jobs", "2", "-x")
    assert proc.returncode == 1 and "1 failed" in proc.stdout, proc.stdout + proc.stderr
    assert not (tmp_path / "ran-zz").exists()
    proc = pytest_run(tmp_path, "--fozzy", *HOST)
    assert "1 failed, 1 passed" in proc.stdout and (tmp_path / "ran-zz").exists()


def test_k_and_m_select(suite: Path) -> None:
    proc = pytest_run(suite, "--fozzy", "-k", "bad or ok", "--co", "-q")
    assert "tests/bad.fozzy.json::bad" in proc.stdout
    assert "tests/ok.fozzy.json::ok" in proc.stdout
    assert "hang" not in proc.stdout and "test_plain" not in proc.stdout
    proc = pytest_run(suite, "--fozzy", "-m", "not fozzy", "--co", "-q")
    assert "test_plain" in proc.stdout and ".fozzy.json" not in proc.stdout
    proc = pytest_run(suite, "--fozzy", "-m", "fozzy", "-k", "ok")
    assert proc.returncode == 0 and "1 passed, 4 deselected" in proc.stdout, proc.stdout


@pytest.mark.parametrize(("record", "det"), [(False, False), (False, True), (True, False)])
def test_reproduce_command_reruns_to_the_same_status(suite: Path, record: bool, det: bool) -> None:
    extra = (["--fozzy-record", "traces"] if record else []) + (["--fozzy-det"] if det else [])
    pytest_run(suite, "--fozzy", *HOST, "--junitxml", "j.xml", *extra)
    cases = junit(suite / "j.xml")
    for name in ("bad", "hang", "killer"):
        command = cases[name]["fozzy_reproduce"]
        replayed = record and name != "killer"  # a crash's trace ends where its worker died
        assert ("replay" if replayed else "run") in shlex.split(command)
        assert ("fozzy_trace" in cases[name]) is replayed
        argv = shlex.split(command)
        assert ("--det" in argv) is (det and not replayed)
        again = subprocess.run([FOZZY, *argv[1:]], cwd=suite, capture_output=True, text=True,
                               timeout=120, env=ENV)
        assert again.returncode == EXIT[cases[name]["fozzy_status"]], (command, again.stdout)
    if record:
        assert len(list((suite / "traces").glob("*.fozzy"))) == 2  # bad and hang only


def test_fozzy_files_pattern_and_explicit_paths(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", kv("1", "1"))
    (tmp_path / "tests" / "other.scn.json").write_text(
        (tmp_path / "tests" / "ok.fozzy.json").read_text().replace('"ok"', '"other"'))
    (tmp_path / "pytest.ini").write_text("[pytest]\nfozzy = true\nfozzy_files = *.scn.json\n")
    proc = pytest_run(tmp_path, "--co", "-q")
    assert "tests/other.scn.json::other" in proc.stdout and "ok.fozzy" not in proc.stdout
    proc = pytest_run(tmp_path, "--co", "-q", "tests/ok.fozzy.json")
    assert "tests/ok.fozzy.json::ok" in proc.stdout, proc.stdout


def test_directories_fozzy_test_prunes_are_pruned(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", kv("1", "1"))
    copy = tmp_path / "tests" / "target" / "copy.fozzy.json"
    copy.parent.mkdir()
    copy.write_text((tmp_path / "tests" / "ok.fozzy.json").read_text())
    proc = pytest_run(tmp_path, "--fozzy", "--co", "-q")
    assert "tests/ok.fozzy.json::ok" in proc.stdout and "copy" not in proc.stdout, proc.stdout
    cli = subprocess.run([FOZZY, "--json", "test", "tests"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, env=ENV)
    assert [r["name"] for r in json.loads(cli.stdout)["scenarios"]] == ["ok"]
    proc = pytest_run(tmp_path, "--fozzy", "--co", "-q", str(copy))
    assert "copy.fozzy.json::ok" in proc.stdout, proc.stdout


def test_invalid_scenario_fails_collection_with_one_line(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", kv("1", "1"))
    scenario(tmp_path, "typo", [{"type": "set_kv", "key": "k", "valeu": "1"}])
    proc = pytest_run(tmp_path, "--fozzy")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "1 error" in proc.stdout
    errors = [ln for ln in proc.stdout.splitlines() if "typo.fozzy.json" in ln and "/steps/0" in ln]
    assert errors, proc.stdout
    assert "Traceback" not in proc.stdout and "site-packages" not in proc.stdout


def test_invalid_distributed_scenario_fails_collection_with_one_line(tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "replication-ok.fozzy.json").read_text())
    doc["distributed"]["invariants"] = [{"type": "kv_all_equall", "key": "k"}]
    (tmp_path / "broken.fozzy.json").write_text(json.dumps(doc))
    proc = pytest_run(tmp_path, "--fozzy")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "broken.fozzy.json" in proc.stdout and "kv_all_equal" in proc.stdout
    assert "Traceback" not in proc.stdout and "site-packages" not in proc.stdout


def test_exhausted_restart_budget_fails_the_rest_with_one_line(tmp_path: Path) -> None:
    for i in range(6):
        scenario(tmp_path, f"k{i}", [
            {"type": "proc_spawn", "cmd": "sh", "args": ["-c", "kill -9 $PPID"]}])
    scenario(tmp_path, "zok", kv("1", "1"))
    proc = pytest_run(tmp_path, "--fozzy", "--fozzy-jobs", "1", *HOST)
    assert proc.returncode == 1 and "7 failed" in proc.stdout, proc.stdout + proc.stderr
    crashes = [ln for ln in proc.stdout.splitlines() if ln.startswith("fozzy CRASH")]
    assert len(crashes) == 4  # the budget of one worker: 4 restarts
    assert "FAILED tests/zok.fozzy.json::zok - fozzy not run: executor error" in proc.stdout
    assert "Traceback" not in proc.stdout


def test_scenario_name_that_is_not_a_regular_file_fails_collection(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", kv("1", "1"))
    (tmp_path / "tests" / "gone.fozzy.json").symlink_to(tmp_path / "missing.json")
    os.mkfifo(tmp_path / "tests" / "pipe.fozzy.json")
    proc = pytest_run(tmp_path, "--fozzy")
    assert proc.returncode == 2 and "2 errors" in proc.stdout, proc.stdout + proc.stderr
    for name in ("gone", "pipe"):
        assert any(f"{name}.fozzy.json" in ln and "fozzy" in ln
                   for ln in proc.stdout.splitlines() if not ln.startswith(("ERROR", "_"))
                   ), proc.stdout
    assert "Traceback" not in proc.stdout


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", kv("1", "1"))
    proc = pytest_run(tmp_path, "--fozzy", "--fozzy-timeout", "2x")
    assert proc.returncode == 4
    assert "--fozzy-timeout" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "fozzy.toml").write_text('proc_backend = "hots"\n')
    proc = pytest_run(tmp_path, "--fozzy")
    assert proc.returncode == 4
    assert "config error" in proc.stderr and "proc_backend" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert pytest_run(tmp_path).returncode == 5  # without --fozzy, fozzy.toml is not read


@pytest.mark.parametrize("record", [False, True])
def test_distributed_scenarios_are_explore_items(tmp_path: Path, record: bool) -> None:
    for name in ("replication-bug", "replication-ok"):
        (tmp_path / f"{name}.fozzy.json").write_bytes(
            (EXAMPLES / f"{name}.fozzy.json").read_bytes())
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nfozzy = true\nfozzy_explore_schedule = random\n"
        "fozzy_explore_schedules = 200\n")
    extra = ["--fozzy-record", "traces"] if record else []
    proc = pytest_run(tmp_path, "-m", "fozzy_explore", "--fozzy-seed", "4", "--junitxml", "j.xml",
                      *extra)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 1 passed" in proc.stdout and "kv_all_equal" in proc.stdout
    case = junit(tmp_path / "j.xml")
    bad = next(c for c in case.values() if c["fozzy_status"] == "fail")
    argv = shlex.split(bad["fozzy_reproduce"])
    if record:
        assert argv[:2] == ["fozzy", "replay"] and bad["fozzy_trace"] == argv[2]
        assert [p.name for p in (tmp_path / "traces").iterdir()] == [Path(argv[2]).name]
    else:
        assert argv[:2] == ["fozzy", "explore"] and "--schedules" in argv
    again = subprocess.run([FOZZY, *argv[1:]], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120, env=ENV)
    assert again.returncode == 1, again.stdout + again.stderr
