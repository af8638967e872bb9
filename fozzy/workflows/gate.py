"""`fozzy gate --profile targeted` (spec §7.1): a deterministic pass/fail gate over the
scenarios a change touches (`--scope`), as one table of steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fozzy.workflows import profile_steps as ps
from fozzy.workflows import surface as s
from fozzy.workflows.checks import failed, passed
from fozzy.workflows.context import Context
from fozzy.workflows.engine import Local, Plan, Policy, Progress, Skip, Step, Verdict, run_steps

SCHEMA = "fozzy.gate_report.v1"
PROGRESS_SCHEMA = "fozzy.gate_progress.v1"
PROFILES = ("targeted",)
DEFAULT_DOCTOR_RUNS = 5


@dataclass(frozen=True)
class GateOptions:
    scopes: tuple[str, ...] = ()
    doctor_runs: int = DEFAULT_DOCTOR_RUNS


def _matched(ctx: Context, scopes: tuple[str, ...]) -> list[str]:
    return [p for p in ctx.steps_scenarios
            if not scopes or any(sc in p.lower() for sc in scopes)]


def scope_match(scopes: tuple[str, ...]) -> Step:
    def check(ctx: Context) -> Verdict:
        matched = _matched(ctx, scopes)
        if not matched:
            ctx.abort = Skip("not run: no scenario matched --scope",
                             "widen --scope or add scenarios under the scenario root")
            return failed(f"scopes={','.join(scopes)} matched=0")
        ctx.steps_scenarios = matched
        from fozzy.workflows.context import pick_primary

        ctx.primary = pick_primary(matched)
        return passed(f"scopes={','.join(scopes) or '<all>'} matched={len(matched)}")

    def plan(ctx: Context) -> Plan:
        return Local(check)

    return Step("scope_match", "targeted", plan)


def table(opts: GateOptions) -> tuple[Step, ...]:
    ph = "targeted"
    return (
        Step("clean_tree", ph, s.clean_tree),
        Step("discover", ph, s.discover_step),
        scope_match(opts.scopes),
        Step("doctor_deep", ph, s.doctor_deep(opts.doctor_runs)),
        Step("test_det_strict", ph, s.deterministic_test(lambda ctx: ctx.steps_scenarios)),
        Step("run_record_trace", ph, s.run_record_trace),
        Step("trace_verify", ph, s.trace_verify),
        Step("replay", ph, s.replay),
        Step("ci", ph, s.ci),
        Step("profile_top", ph, ps.profile_top),
        Step("profile_diff", ph, ps.profile_diff),
        Step("profile_explain", ph, ps.profile_explain),
    )


def step_names(opts: GateOptions) -> list[str]:
    return [st.name for st in table(opts)]


def run_gate(ctx: Context, opts: GateOptions, policy: Policy, json_progress: bool,
             ) -> dict[str, Any]:
    steps = run_steps(table(opts), ctx, policy, Progress(PROGRESS_SCHEMA, json_progress))
    ok = not any(st["status"] == "failed" for st in steps)
    return {
        "schemaVersion": SCHEMA, "status": "pass" if ok else "fail", "profile": "targeted",
        "strict": ctx.strict, "scenarioRoot": ctx.scenario_root, "seed": ctx.seed,
        "scopes": list(opts.scopes), "matchedScenarios": _matched(ctx, opts.scopes),
        "steps": steps,
    }
