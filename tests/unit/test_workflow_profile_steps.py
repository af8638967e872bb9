"""The profile rows' judges (spec §7.1): top fails on warnings and malformed lists, diff must be
stable and consistent against the replay, explain must be diagnostic or a consistent no-shift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fozzy.workflows import profile_steps as ps
from fozzy.workflows.child import ChildResult
from fozzy.workflows.context import Context
from fozzy.workflows.engine import Command, Skip, Verdict


def _ctx(tmp_path: Path) -> Context:
    ctx = Context(scenario_root="tests", seed=1, strict=True, tmp=tmp_path, globals_=[],
                  step_timeout_s=30.0)
    ctx.trace, ctx.replay_run = str(tmp_path / "t.fozzy"), "replay-run"
    return ctx


def _judge(ctx: Context, plan: object, doc: Any, code: int = 0) -> Verdict | Skip:
    assert isinstance(plan, Command)
    return plan.judge(ctx, ChildResult(code, "", "", False, doc))


def _v(ctx: Context, plan: object, doc: Any) -> Verdict:
    verdict = _judge(ctx, plan, doc)
    assert isinstance(verdict, Verdict)
    return verdict


def _row(metric: str, left: float, right: float, cls: str = "stable") -> dict[str, Any]:
    return {"metric": metric, "left": left, "right": right, "classification": cls,
            "isSignificant": cls != "stable"}


def _diff(rows: list[dict[str, Any]], verdict: str, **extra: Any) -> dict[str, Any]:
    reg = sum(r["classification"] == "regression" for r in rows)
    imp = sum(r["classification"] == "improvement" for r in rows)
    return {"summary": {"verdict": verdict, "regressions": reg, "improvements": imp},
            "rows": rows, "notCompared": [], **extra}


def test_top_passes_with_rows_skips_without_and_fails_on_warnings(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    plan = ps.profile_top(ctx)
    good = {"emptyDomains": [{"domain": "heap", "reason": "r"}], "cpu": [{"stack": "s"}]}
    assert _v(ctx, plan, good) == Verdict("passed", "empty=heap rows=cpu")
    assert isinstance(_judge(ctx, plan, {"emptyDomains": [{"domain": "cpu"}], "cpu": []}), Skip)
    assert _v(ctx, plan, {**good, "warnings": ["w"]}).status == "failed"
    twice = {"emptyDomains": [{"domain": "io"}, {"domain": "io"}], "cpu": [{}]}
    assert "names io twice" in _v(ctx, plan, twice).detail
    odd = {"emptyDomains": [{"domain": "gpu"}], "cpu": [{}]}
    assert "malformed" in _v(ctx, plan, odd).detail


def test_diff_against_the_replay_must_be_stable_and_compare_every_domain(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    plan = ps.profile_diff(ctx)
    assert isinstance(plan, Command) and plan.argv[-2:] == [ctx.trace, "replay-run"]
    assert _v(ctx, plan, _diff([_row("p99_latency_ms", 10, 10)], "stable")).status == "passed"
    moved = _diff([_row("max_latency_ms", 10, 0, "improvement")], "improvement")
    verdict = _v(ctx, plan, moved)
    assert verdict.status == "failed" and "max_latency_ms 10->0" in verdict.detail
    blind = _diff([], "stable", notCompared=[{"domain": "latency"}])
    assert "not_compared=latency" in _v(ctx, plan, blind).detail


def test_diff_verdict_must_agree_with_its_rows(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    lying = _diff([_row("alloc_bytes", 1, 9, "regression")], "stable")
    assert "inconsistent" in _v(ctx, ps.profile_diff(ctx), lying).detail


def test_diff_against_a_shrunk_trace_need_not_be_stable(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    ctx.shrunk = str(tmp_path / "min.fozzy")
    plan = ps.profile_diff(ctx)
    assert isinstance(plan, Command) and plan.argv[-1] == ctx.shrunk
    moved = _diff([_row("alloc_bytes", 9, 1, "improvement")], "improvement")
    assert _v(ctx, plan, moved).status == "passed"


def test_no_second_run_is_a_skip_with_guidance(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    ctx.replay_run = None
    assert ps.profile_diff(ctx) == ps.NO_SECOND == ps.profile_explain(ctx)


def test_explain_is_diagnostic_or_a_consistent_no_shift(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    plan = ps.profile_explain(ctx)
    quiet: dict[str, Any] = {"verdict": "stable", "statement": "no measurable shift",
                             "topPath": None, "likelyCauseDomain": None, "evidence": []}
    assert _v(ctx, plan, quiet).status == "passed"
    assert _v(ctx, plan, {**quiet, "verdict": "improvement"}).status == "failed"
    evidence = tmp_path / "measurements.json"
    evidence.write_text("{}")
    cause = {"verdict": "regression_detected", "statement": "alloc_bytes rose",
             "topPath": "callsite x", "likelyCauseDomain": "heap",
             "metric": {"domain": "heap"}, "evidence": [[str(evidence)]]}
    assert _v(ctx, plan, cause).status == "passed"
    gone = {**cause, "evidence": [[str(tmp_path / "missing.json")]]}
    assert "evidence" in _v(ctx, plan, gone).detail
    assert "unknown cause" in _v(ctx, plan, {**cause, "likelyCauseDomain": "gpu"}).detail
