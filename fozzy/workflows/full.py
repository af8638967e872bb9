"""`fozzy full` (spec §7.2): every command of the surface over one scenario tree, in four
phases, as one table of steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fozzy.workflows import extended as x
from fozzy.workflows import prepare as p
from fozzy.workflows import profile_steps as ps
from fozzy.workflows import surface as s
from fozzy.workflows import trace_surface as t
from fozzy.workflows.context import Context, is_host, is_negative
from fozzy.workflows.engine import Policy, Progress, Step, run_steps

SCHEMA = "fozzy.full_report.v1"
PROGRESS_SCHEMA = "fozzy.full_progress.v1"
DEFAULT_DOCTOR_RUNS = 5
GUIDANCE = (
    "a skipped step names what to add to run it (`skipReason`, `unskip`)",
    "rerun one step with --required-steps NAME; leave slow ones out with --skip-steps NAME",
    "negative fixtures (names with fail/leak/panic/timeout/checkers/assertions) and host "
    "scenarios are kept out of test_det; host scenarios run in host_backends_run",
)


@dataclass(frozen=True)
class FullOptions:
    doctor_runs: int = DEFAULT_DOCTOR_RUNS
    topology: p.Topology = field(default_factory=p.Topology)
    extended: x.Extended = field(default_factory=x.Extended)


def deterministic_scenarios(ctx: Context) -> list[str]:
    chosen = [q for q in ctx.steps_scenarios if not is_negative(q) and not is_host(q)]
    return chosen or ([ctx.primary] if ctx.primary else [])


def table(opts: FullOptions, policy: Policy) -> tuple[Step, ...]:
    conflict = p.policy_conflict(opts.topology, policy.skip, policy.required)
    prepare = [
        Step("clean_tree", "prepare", s.clean_tree),
        *([Step("policy_conflict", "prepare", conflict)] if conflict else []),
        Step("usage", "prepare", p.usage),
        Step("version", "prepare", p.version),
        Step("init", "prepare", p.init),
        Step("discover_scenarios", "prepare", s.discover_step),
        Step("topology_coverage", "prepare", p.topology(opts.topology)),
    ]
    det = "deterministic_surface"
    deterministic = [
        Step("doctor_deep", det, s.doctor_deep(opts.doctor_runs)),
        Step("test_det", det, s.deterministic_test(deterministic_scenarios)),
        Step("run_record_trace", det, s.run_record_trace),
    ]
    tr = "trace_surface"
    trace = [
        Step("trace_verify", tr, s.trace_verify),
        Step("replay", tr, s.replay),
        Step("ci", tr, s.ci),
        *(Step(name, tr, plan) for name, plan in t.ROWS),
        Step("profile_top", tr, ps.profile_top),
        Step("profile_diff", tr, ps.profile_diff),
        Step("profile_explain", tr, ps.profile_explain),
    ]
    ext = "extended_surface"
    extended = [
        Step("fuzz", ext, x.fuzz(opts.extended)),
        Step("explore", ext, x.explore(opts.extended)),
        *(Step(name, ext, plan) for name, plan in x.ROWS),
    ]
    return (*prepare, *deterministic, *trace, *extended)


def step_names() -> list[str]:
    """Every step a policy may name (`policy_conflict` is never filtered, so not one)."""
    return [st.name for st in table(FullOptions(), Policy())]


def run_full(ctx: Context, opts: FullOptions, policy: Policy, json_progress: bool,
             ) -> dict[str, Any]:
    steps = run_steps(table(opts, policy), ctx, policy, Progress(PROGRESS_SCHEMA, json_progress))
    ok = not any(st["status"] == "failed" for st in steps)
    report: dict[str, Any] = {
        "schemaVersion": SCHEMA, "status": "pass" if ok else "fail", "strict": ctx.strict,
        "unsafe_mode": not ctx.strict, "scenarioRoot": ctx.scenario_root, "seed": ctx.seed,
        "guidance": [*GUIDANCE, *ctx.guidance],
    }
    if ctx.shrink_classification is not None:
        report["shrinkClassification"] = ctx.shrink_classification
    report["steps"] = steps
    return report
