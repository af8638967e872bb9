"""`gate` and `full`: the whole fozzy surface as one pass/fail workflow for CI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fozzy.cli.context import G
from fozzy.cli.output import emit

if TYPE_CHECKING:
    from fozzy.workflows.context import Context

ScenarioRoot = Annotated[
    str, typer.Option("--scenario-root", metavar="DIR", help="Where the scenarios live.")
]
Seed = Annotated[
    str | None, typer.Option("--seed", metavar="N", help="Workflow seed [default: 0xC0DEC0DE].")
]
DoctorRuns = Annotated[int, typer.Option("--doctor-runs", metavar="N",
                                         help="Runs of the determinism audit (>= 2).")]
SkipSteps = Annotated[str | None, typer.Option(
    "--skip-steps", metavar="A,B", help="Steps not to run (decided before anything runs).")]
RequiredSteps = Annotated[str | None, typer.Option(
    "--required-steps", metavar="A,B", help="Run only these steps; the others are skipped.")]
StepTimeout = Annotated[str | None, typer.Option(
    "--step-timeout", metavar="DUR",
    help="Time limit of each step; a step past it is killed with its processes [default: 45s].")]


@contextmanager
def _context(scenario_root: str, seed: str | None, step_timeout: str | None) -> Iterator[Context]:
    """A workflow context whose temp dir (traces, zips, corpora) is removed at the end."""
    import tempfile
    from pathlib import Path

    from fozzy.cli.flag_values import parse_duration_flag, parse_seed
    from fozzy.workflows.context import STEP_TIMEOUT_S, WORKFLOW_SEED, Context

    timeout_ms = parse_duration_flag(step_timeout, "--step-timeout")
    globals_ = ["--json", "--config", G.config_path, *([] if G.strict else ["--unsafe"])]
    for flag, value in (("--proc-backend", G.proc_backend), ("--fs-backend", G.fs_backend),
                        ("--http-backend", G.http_backend)):
        if value is not None:
            globals_ += [flag, value]
    with tempfile.TemporaryDirectory(prefix="fozzy-workflow-") as tmp:
        yield Context(
            scenario_root=scenario_root,
            seed=WORKFLOW_SEED if seed is None else parse_seed(seed),
            strict=G.strict, tmp=Path(tmp), globals_=globals_,
            step_timeout_s=STEP_TIMEOUT_S if timeout_ms is None else timeout_ms / 1000,
        )


def _finish(ctx: Context, report: dict[str, Any]) -> int:
    """Print the report; exit 1 on a failed step, 128 + signal when interrupted."""
    if G.json:
        emit(report)
    else:
        lines = [f"{st['status']:<9} {st['name']:<20} {st['detail']}" for st in report["steps"]]
        lines.append(f"{report['schemaVersion']}: {report['status']}")
        sys.stdout.write("\n".join(lines) + "\n")
    if ctx.interrupted:
        from fozzy.cli.signals import interrupt_exit_code

        return interrupt_exit_code()
    return 0 if report["status"] == "pass" else 1


def _check_runs(doctor_runs: int) -> None:
    from fozzy.errors import ArgumentError

    if doctor_runs < 2:
        raise ArgumentError(f"--doctor-runs must be >= 2, got {doctor_runs}")


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip().lower() for v in (value or "").split(",") if v.strip())


def register(app: typer.Typer) -> None:
    @app.command("gate", help="A deterministic pass/fail gate over the scenarios in --scope.")
    def gate(
        profile: Annotated[str, typer.Option("--profile", metavar="targeted")] = "targeted",
        scenario_root: ScenarioRoot = "tests",
        scope: Annotated[str | None, typer.Option(
            "--scope", metavar="A,B", help="Only scenarios whose path contains one of these.",
        )] = None,
        seed: Seed = None, doctor_runs: DoctorRuns = 5, skip_steps: SkipSteps = None,
        required_steps: RequiredSteps = None, step_timeout: StepTimeout = None,
    ) -> int:
        from fozzy.errors import ArgumentError
        from fozzy.workflows.engine import parse_policy
        from fozzy.workflows.gate import PROFILES, GateOptions, run_gate, step_names

        if profile not in PROFILES:
            raise ArgumentError(f"--profile must be one of {'|'.join(PROFILES)}, got {profile!r}")
        _check_runs(doctor_runs)
        opts = GateOptions(scopes=_split(scope), doctor_runs=doctor_runs)
        policy = parse_policy(skip_steps, required_steps, step_names(opts))
        with _context(scenario_root, seed, step_timeout) as ctx:
            return _finish(ctx, run_gate(ctx, opts, policy, G.json))

    @app.command("full", help="Every fozzy command over a scenario tree, as one CI gate.")
    def full(
        scenario_root: ScenarioRoot = "tests", seed: Seed = None, doctor_runs: DoctorRuns = 5,
        fuzz_time: Annotated[str, typer.Option(
            "--fuzz-time", metavar="DUR", help="Fuzz budget of the primary scenario.")] = "2s",
        explore_steps: Annotated[int, typer.Option(
            "--explore-steps", metavar="N", help="Choices per explored schedule.")] = 200,
        explore_nodes: Annotated[int, typer.Option(
            "--explore-nodes", metavar="N", help="Nodes of a node_count cluster.")] = 3,
        allow_expected_failures: Annotated[bool, typer.Option(
            "--allow-expected-failures",
            help="A failing primary is expected: shrink must keep its failure class.")] = False,
        scenario_filter: Annotated[str | None, typer.Option(
            "--scenario-filter", metavar="TEXT", help="Only scenarios whose path has TEXT.",
        )] = None,
        skip_steps: SkipSteps = None, required_steps: RequiredSteps = None,
        require_topology: Annotated[str | None, typer.Option(
            "--require-topology-coverage", metavar="REPO_ROOT",
            help="Fail unless `map suites` finds every required hotspot covered.")] = None,
        topology_min_risk: Annotated[int, typer.Option(
            "--topology-min-risk", metavar="0..100", help="map suites --min-risk.")] = 60,
        topology_profile: Annotated[str, typer.Option(
            "--topology-profile", metavar="balanced|pedantic|overkill",
            help="map suites --profile.")] = "pedantic",
        topology_shrink_policy: Annotated[str, typer.Option(
            "--topology-shrink-policy", metavar="failure-only|exercised-ok|no-known-failures",
            help="map suites --shrink-policy.")] = "no-known-failures",
        step_timeout: StepTimeout = None,
    ) -> int:
        from fozzy.analysis.map.suites import PROFILES, SHRINK_POLICIES
        from fozzy.cli.cmd_map import check_range, choice
        from fozzy.cli.flag_values import parse_duration_flag
        from fozzy.workflows.engine import parse_policy
        from fozzy.workflows.extended import Extended
        from fozzy.workflows.full import FullOptions, run_full, step_names
        from fozzy.workflows.prepare import Topology

        _check_runs(doctor_runs)
        check_range("--topology-min-risk", topology_min_risk, 0, 100)
        check_range("--explore-steps", explore_steps, 1)
        check_range("--explore-nodes", explore_nodes, 1)
        topology = Topology(
            root=require_topology, min_risk=topology_min_risk,
            profile=choice("--topology-profile", topology_profile, PROFILES),
            shrink_policy=choice("--topology-shrink-policy", topology_shrink_policy,
                                  SHRINK_POLICIES),
        )
        fuzz_ms = parse_duration_flag(fuzz_time, "--fuzz-time") or 0
        check_range("--fuzz-time (ms)", fuzz_ms, 1)
        opts = FullOptions(doctor_runs, topology,
                           Extended(fuzz_ms, explore_steps, explore_nodes))
        policy = parse_policy(skip_steps, required_steps, step_names())
        with _context(scenario_root, seed, step_timeout) as ctx:
            ctx.allow_expected_failures = allow_expected_failures
            ctx.scenario_filter = scenario_filter
            return _finish(ctx, run_full(ctx, opts, policy, G.json))

