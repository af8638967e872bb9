"""Discovery for workflows: the primary, negative fixtures, host scenarios, the filter."""

from __future__ import annotations

from pathlib import Path

import orjson

from fozzy.workflows.context import Context, discover, pick_primary
from fozzy.workflows.full import deterministic_scenarios, step_names
from fozzy.workflows.gate import GateOptions
from fozzy.workflows.gate import step_names as gate_steps

STEP = {"type": "sleep", "duration": "1ms"}


def _write(root: Path, rel: str, doc: dict[str, object]) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(doc))


def _ctx(root: Path, scenario_filter: str | None = None) -> Context:
    return Context(scenario_root=str(root), seed=1, strict=True, tmp=root, globals_=[],
                   scenario_filter=scenario_filter)


def test_primary_prefers_pass_or_example_and_never_a_host_scenario() -> None:
    assert pick_primary(["a.fozzy.json", "b.pass.fozzy.json"]) == "b.pass.fozzy.json"
    assert pick_primary(["host.pass.fozzy.json", "z.fozzy.json"]) == "z.fozzy.json"
    assert pick_primary(["host.pass.fozzy.json"]) == "host.pass.fozzy.json"
    assert pick_primary([]) is None


def test_discover_sorts_variants_and_reports_problems(tmp_path: Path) -> None:
    _write(tmp_path, "b/ok.fozzy.json", {"version": 1, "name": "ok", "steps": [STEP]})
    _write(tmp_path, "a/fail-case.fozzy.json", {"version": 1, "name": "f", "steps": [STEP]})
    _write(tmp_path, "host/host.fozzy.json", {"version": 1, "name": "h", "steps": [STEP]})
    _write(tmp_path, "d.fozzy.json", {"version": 1, "name": "d", "distributed": {
        "nodes": ["a", "b"], "steps": [], "invariants": []}})
    (tmp_path / "bad.fozzy.json").write_text("{")
    ctx = _ctx(tmp_path)
    problems = discover(ctx)
    assert len(problems) == 1 and problems[0].startswith("bad.fozzy.json: invalid JSON")
    root = str(tmp_path)
    assert ctx.steps_scenarios == [f"{root}/a/fail-case.fozzy.json", f"{root}/b/ok.fozzy.json",
                                   f"{root}/host/host.fozzy.json"]
    assert ctx.distributed == [(f"{root}/d.fozzy.json", False)]
    assert deterministic_scenarios(ctx) == [f"{root}/b/ok.fozzy.json"]


def test_scenario_filter(tmp_path: Path) -> None:
    _write(tmp_path, "x/one.fozzy.json", {"version": 1, "name": "1", "steps": [STEP]})
    _write(tmp_path, "y/two.fozzy.json", {"version": 1, "name": "2", "steps": [STEP]})
    ctx = _ctx(tmp_path, scenario_filter="Y/")
    assert discover(ctx) == []
    assert ctx.steps_scenarios == [f"{tmp_path}/y/two.fozzy.json"]


def test_step_tables_name_the_reference_steps() -> None:
    names = step_names()
    assert names[:6] == ["clean_tree", "usage", "version", "init", "discover_scenarios",
                         "topology_coverage"]
    assert "policy_conflict" not in names and len(names) == len(set(names))
    assert gate_steps(GateOptions()) == [
        "clean_tree", "discover", "scope_match", "doctor_deep", "test_det_strict",
        "run_record_trace", "trace_verify", "replay", "ci", "profile_top", "profile_diff",
        "profile_explain"]
