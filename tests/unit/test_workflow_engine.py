"""The workflow engine: policies decide before plans run, timeouts kill the whole tree."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson
import psutil
import pytest

from fozzy.errors import ArgumentError
from fozzy.workflows.context import Context
from fozzy.workflows.engine import (
    Command,
    Local,
    Policy,
    Progress,
    Skip,
    Step,
    Verdict,
    parse_policy,
    run_steps,
)


def _ctx(tmp_path: Path, timeout_s: float = 30.0) -> Context:
    return Context(scenario_root="tests", seed=1, strict=True, tmp=tmp_path, globals_=[],
                   step_timeout_s=timeout_s)


def _never(ctx: Context) -> Local:
    raise AssertionError("a skipped step's plan must not even be built")


def _ok(ctx: Context) -> Local:
    return Local(lambda c: Verdict("passed", "ran"))


def test_policy_skips_before_plans_are_built(tmp_path: Path) -> None:
    table = (Step("a", "p", _never), Step("b", "p", _ok), Step("c", "p", _never))
    rows = run_steps(table, _ctx(tmp_path), Policy(skip=frozenset({"a"}),
                                                   required=frozenset({"a", "b"})),
                     Progress("s", False))
    assert [(r["name"], r["status"]) for r in rows] == [
        ("a", "skipped"), ("b", "passed"), ("c", "skipped")]
    assert rows[0]["skipReason"] == "skipped by skip-steps policy"
    assert rows[0]["unskip"] == "remove a from --skip-steps"
    assert rows[2]["skipReason"] == "skipped by required-steps policy"


def test_policy_conflict_step_is_never_filtered(tmp_path: Path) -> None:
    table = (Step("policy_conflict", "p", lambda c: Local(lambda c: Verdict("failed", "x"))),)
    rows = run_steps(table, _ctx(tmp_path), Policy(required=frozenset({"other"})),
                     Progress("s", False))
    assert rows[0]["status"] == "failed"


def test_policy_names_are_checked() -> None:
    with pytest.raises(ArgumentError, match="did you mean fuzz"):
        parse_policy("fuz", None, ["fuzz", "explore"])
    policy = parse_policy(" FUZZ ,", "explore,fuzz", ["fuzz", "explore"])
    assert policy.skip == {"fuzz"} and policy.required == {"explore", "fuzz"}


def test_plan_skips_carry_reason_and_unskip(tmp_path: Path) -> None:
    table = (Step("a", "p", lambda c: Skip("no input", "add one")),)
    row = run_steps(table, _ctx(tmp_path), Policy(), Progress("s", False))[0]
    assert (row["status"], row["skipReason"], row["unskip"]) == ("skipped", "no input", "add one")
    assert row["detail"] == "no input; to run it: add one"


def test_progress_events_are_json_lines_on_stderr(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    run_steps((Step("a", "one", _ok), Step("b", "two", _ok)), _ctx(tmp_path), Policy(),
              Progress("fozzy.full_progress.v1", True))
    captured = capsys.readouterr()
    assert captured.out == ""
    events = [orjson.loads(line) for line in captured.err.splitlines()]
    assert [(e["event"], e["step"], e["status"]) for e in events] == [
        ("phase_started", "one", None), ("step_started", "a", None),
        ("step_finished", "a", "passed"), ("phase_started", "two", None),
        ("step_started", "b", None), ("step_finished", "b", "passed")]
    assert {e["schemaVersion"] for e in events} == {"fozzy.full_progress.v1"}


#: A child that starts a grandchild in a session of its own, then both hang.
HANG = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', 'fozzy-grandchild'],"
    " start_new_session=True)\n"
    "time.sleep(600)\n"
)


def _marked() -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline", "status"]):
        cmd = p.info["cmdline"] or []
        if p.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if "fozzy-grandchild" in cmd or "fozzy-hang-child" in cmd:
            out.append(p)
    return out


def test_timeout_kills_the_step_tree_and_aborts_the_rest(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", HANG, "fozzy-hang-child"]
    table = (
        Step("hang", "p", lambda c: Command(argv, lambda c, r: Verdict("passed", "no"))),
        Step("after", "p", _never),
    )
    ctx = _ctx(tmp_path, timeout_s=1.5)
    rows = run_steps(table, ctx, Policy(), Progress("s", False))
    assert rows[0]["status"] == "failed" and "timed out" in rows[0]["detail"]
    assert rows[1]["status"] == "skipped" and "timed out" in rows[1]["skipReason"]
    assert any("--step-timeout" in g for g in ctx.guidance)
    end = time.monotonic() + 5
    while _marked() and time.monotonic() < end:
        time.sleep(0.05)
    assert _marked() == []
