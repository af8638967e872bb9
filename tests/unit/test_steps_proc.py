"""proc_when / proc_spawn on the scripted backend through the real engine: rule matching,
exhaustion, decisions, events, checks, rollback, replay, and the backend seam."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.enginekit import run, titles
from workers.engine.loop import execute
from workers.steps.parse import StepParseError, parse_steps
from workers.steps.proc import PREVIEW_LIMIT, preview
from workers.steps.registry import Role, registry


def when(cmd: str, args: list[str] | None = None, exit_code: int = 0, **kw: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "proc_when", "cmd": cmd, "exit_code": exit_code, **kw}
    if args is not None:
        s["args"] = args
    return s


def spawn(cmd: str, args: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "proc_spawn", "cmd": cmd, **kw}
    if args is not None:
        s["args"] = args
    return s


def events(r: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e["fields"] for e in r["events"] if e["name"] == name]


def spawns(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in r["decisions"] if d["kind"] == "proc_spawn"]


WORKED = [
    when("git", ["rev-parse", "HEAD"], 0, stdout="deadbeef\n"),
    spawn("git", ["rev-parse", "HEAD"], expect_exit=0, save_stdout_as="sha"),
    {"type": "assert_eq_str", "a": "x", "b": "x"},
    {"type": "get_kv_assert", "key": "sha", "equals": "deadbeef\n"},
    spawn("git", ["status"]),
]


def test_worked_example_unmatched_message_and_suggestion() -> None:
    r = run(WORKED, scenario_path="/work/s/proc.fozzy.json")
    assert r["status"] == "fail"
    assert r["executed"] == 3
    (f,) = r["findings"]
    assert f["kind"] == "assertion"
    assert f["title"] == "proc_unmatched"
    assert f["message"] == (
        "Strict proc backend blocked an undeclared subprocess for `cmd=git` before step #5"
        " (`proc_spawn`) in /work/s/proc.fozzy.json. Add a matching `proc_when` step or opt"
        " into host proc execution intentionally."
    )
    assert f["location"] == {
        "file": "/work/s/proc.fozzy.json",
        "details": {
            "command": "git",
            "args": ["status"],
            "scenarioPath": "/work/s/proc.fozzy.json",
            "stepIndex": 4,
            "suggestedProcWhen": {
                "type": "proc_when", "cmd": "git", "args": ["status"], "exit_code": 0,
                "stdout": "", "stderr": "", "times": 1,
            },
        },
    }


def test_unmatched_without_scenario_path() -> None:
    r = run([spawn("ls")])
    (f,) = r["findings"]
    assert "before step #1 (`proc_spawn`) in <inline scenario>." in f["message"]
    assert "file" not in f["location"]
    assert f["location"]["details"]["scenarioPath"] is None
    assert f["location"]["details"]["args"] == []
    assert events(r, "proc_spawn") == []


def test_matched_spawn_logs_decision_events_and_passes_no_time() -> None:
    r = run([
        when("tool", ["a"], 3, stdout="out", stderr="é"),
        spawn("tool", ["a"], expect_exit=3, expect_stdout="out", expect_stderr="é"),
    ])
    assert r["status"] == "pass", r["findings"]
    assert spawns(r) == [{
        "kind": "proc_spawn", "cmd": "tool", "args": ["a"], "exit_code": 3, "stdout": "out",
        "stderr": "é", "peak_rss_bytes": 0, "rss_sample_count": 0, "duration_ms": 0,
    }]
    assert list(spawns(r)[0]) == [
        "kind", "cmd", "args", "exit_code", "stdout", "stderr", "peak_rss_bytes",
        "rss_sample_count", "duration_ms",
    ]
    assert events(r, "proc_spawn") == [{
        "backend": "scripted", "cmd": "tool", "completion_boundary": "process_exit",
        "exit_code": 3, "request_kind": "process_spawn", "stderr": "é", "stderr_bytes": 2,
        "stdout": "out", "stdout_bytes": 3,
    }]
    assert events(r, "capability_proc") == [
        {"cmd": "tool", "duration_ms": 0, "op": "spawn", "payload_bytes": 5}
    ]
    assert r["virtualMs"] == 0
    assert r["executed"] == 1


def test_defaults_of_a_rule_are_empty_output() -> None:
    r = run([when("t"), spawn("t", expect_exit=0, expect_stdout="", expect_stderr="")])
    assert r["status"] == "pass", r["findings"]


@pytest.mark.parametrize(
    ("expect", "title", "message"),
    [
        ({"expect_exit": 0}, "proc_exit", "expected exit 0, got 2"),
        ({"expect_stdout": "no"}, "proc_stdout", "proc stdout mismatch"),
        ({"expect_stderr": "no"}, "proc_stderr", "proc stderr mismatch"),
        # Checks run in order: exit before stdout before stderr.
        ({"expect_exit": 0, "expect_stdout": "no", "expect_stderr": "no"}, "proc_exit",
         "expected exit 0, got 2"),
        ({"expect_stdout": "no", "expect_stderr": "no"}, "proc_stdout", "proc stdout mismatch"),
    ],
)
def test_expectation_failures(expect: dict[str, Any], title: str, message: str) -> None:
    r = run([when("t", exit_code=2, stdout="o", stderr="e"), spawn("t", **expect)])
    assert r["status"] == "fail"
    assert r["findings"] == [{"kind": "assertion", "title": title, "message": message}]
    # Events and the decision come before the checks.
    assert len(events(r, "proc_spawn")) == 1
    assert len(spawns(r)) == 1


def test_save_stdout_only_after_all_checks_pass() -> None:
    scenario = {"version": 1, "name": "t", "steps": parse_steps([
        when("t", stdout="o", stderr="e"),
        spawn("t", expect_stderr="wrong", save_stdout_as="k"),
    ], "/steps")}
    rt, result = execute({"scenario": scenario, "seed": 1, "det": True})
    assert result["status"] == "fail"
    assert "k" not in rt.kv
    r = run([when("t", stdout="o"), spawn("t", save_stdout_as="k"),
             {"type": "get_kv_assert", "key": "k", "equals": "o"}])
    assert r["status"] == "pass", r["findings"]


def test_args_must_match_exactly_and_empty_is_not_a_wildcard() -> None:
    assert titles(run([when("t"), spawn("t", ["x"])])) == ["proc_unmatched"]
    assert titles(run([when("t", ["x"]), spawn("t")])) == ["proc_unmatched"]
    assert titles(run([when("t", ["a", "b"]), spawn("t", ["b", "a"])])) == ["proc_unmatched"]
    assert titles(run([when("T"), spawn("t")])) == ["proc_unmatched"]
    assert run([when("t", ["a", "b"]), spawn("t", ["a", "b"])])["status"] == "pass"


def test_rule_declared_after_the_spawn_does_not_count() -> None:
    assert titles(run([spawn("t"), when("t")])) == ["proc_unmatched"]


def test_times_limits_uses() -> None:
    r = run([when("t", times=2), spawn("t"), spawn("t"), spawn("t")])
    assert titles(r) == ["proc_unmatched"]
    assert "before step #4" in r["findings"][0]["message"]
    assert len(spawns(r)) == 2


def test_times_zero_never_matches_and_falls_through() -> None:
    assert titles(run([when("t", times=0), spawn("t")])) == ["proc_unmatched"]
    r = run([when("t", times=0, stdout="zero"), when("t", stdout="next"),
             spawn("t", expect_stdout="next")])
    assert r["status"] == "pass", r["findings"]


def test_unlimited_rule_is_never_exhausted() -> None:
    r = run([when("t")] + [spawn("t")] * 50)
    assert r["status"] == "pass", r["findings"]
    assert r["executed"] == 50


def test_first_matching_rule_wins_then_the_next_after_exhaustion() -> None:
    r = run([
        when("t", stdout="first", times=1),
        when("t", stdout="second"),
        when("t", stdout="never"),
        spawn("t", expect_stdout="first"),
        spawn("t", expect_stdout="second"),
        spawn("t", expect_stdout="second"),
    ])
    assert r["status"] == "pass", r["findings"]


def test_proc_when_alone_is_declaration_only() -> None:
    r = run([when("t")])
    assert r["status"] == "fail"
    assert titles(r) == ["no_steps_executed"]
    assert r["executed"] == 0


def test_assert_throws_rolls_back_rule_use_and_nested_logs() -> None:
    r = run([
        when("t", times=1, stdout="once"),
        {"type": "assert_throws", "steps": [
            spawn("t", expect_stdout="once"), when("u"), spawn("t"),
        ]},
        spawn("t", expect_stdout="once"),
        {"type": "assert_rejects", "steps": [spawn("u")]},
    ])
    assert r["status"] == "pass", r["findings"]
    assert len(spawns(r)) == 1
    assert len(events(r, "proc_spawn")) == 1


def test_failing_expectation_inside_assert_throws_is_absorbed() -> None:
    r = run([when("t", exit_code=1),
             {"type": "assert_throws", "steps": [spawn("t", expect_exit=0)]}])
    assert r["status"] == "pass", r["findings"]


def test_output_longer_than_16_kib_is_truncated_in_events_only() -> None:
    big = "x" * (PREVIEW_LIMIT + 1)
    r = run([when("t", stdout=big, stderr="y" * PREVIEW_LIMIT),
             spawn("t", expect_stdout=big, save_stdout_as="k"),
             {"type": "get_kv_assert", "key": "k", "equals": big}])
    assert r["status"] == "pass", r["findings"]
    (ev,) = events(r, "proc_spawn")
    assert ev["stdout"] == "x" * PREVIEW_LIMIT + "...[truncated]"
    assert ev["stdout_bytes"] == PREVIEW_LIMIT + 1
    assert ev["stderr"] == "y" * PREVIEW_LIMIT
    assert events(r, "capability_proc")[0]["payload_bytes"] == 2 * PREVIEW_LIMIT + 1
    assert spawns(r)[0]["stdout"] == big


def test_preview_measures_bytes_and_cuts_characters() -> None:
    wide = "é" * 9000  # 18,000 bytes, 9,000 characters
    assert preview(wide) == wide + "...[truncated]"
    assert preview("é" * 8192) == "é" * 8192


def test_replay_rederives_and_checks_the_decision() -> None:
    steps = [when("t", stdout="o"), spawn("t", expect_stdout="o")]
    first = run(steps)
    again = run(steps, replay={"decisions": first["decisions"]})
    assert again["status"] == "pass", again["findings"]
    changed = run([when("t", stdout="p"), spawn("t")], replay={"decisions": first["decisions"]})
    assert changed["status"] == "fail"
    assert titles(changed) == ["replay_drift"]


def test_non_det_mode_behaves_the_same() -> None:
    r = run([when("t", stdout="o"), spawn("t", expect_stdout="o")], det=False)
    assert r["status"] == "pass", r["findings"]
    assert len(spawns(r)) == 1


@pytest.mark.parametrize("backend", ["bogus", "Host"])
def test_unregistered_backend_is_an_honest_error(backend: str) -> None:
    r = run([when("t"), spawn("t")], backends={"proc": backend})
    assert r["findings"] == [{
        "kind": "checker", "title": "backend_unavailable",
        "message": f'proc backend "{backend}" is not available',
    }]
    assert spawns(r) == []
    assert events(r, "proc_spawn") == []


def test_registry_shape_and_roles() -> None:
    reg = registry()
    pw, ps = reg["proc_when"], reg["proc_spawn"]
    assert pw.declaration and not ps.declaration
    assert all(f.role is Role.ORACLE for f in pw.fields)
    roles = {f.name: f.role for f in ps.fields}
    assert roles["args"] is Role.INPUT
    assert roles["cmd"] is Role.CONTROL
    for name in ("expect_exit", "expect_stdout", "expect_stderr"):
        assert roles[name] is Role.ORACLE
    (parsed,) = parse_steps([{"type": "proc_when", "cmd": "c", "exit_code": 0}], "/steps")
    assert parsed == {"type": "proc_when", "cmd": "c", "args": [], "exit_code": 0, "stdout": "",
                      "stderr": "", "times": None}


def test_misspelled_exit_code_is_a_parse_error() -> None:
    with pytest.raises(StepParseError) as e:
        parse_steps([{"type": "proc_when", "cmd": "c", "exit": 0}], "/steps")
    assert e.value.pointer == "/steps/0/exit"
    assert "did you mean `exit_code`?" in e.value.detail
