"""`ci TRACE_OR_RUN`: the gate bundle (verify, replay parity, policies, integrity, flake, perf)."""

from __future__ import annotations

from typing import Annotated

import typer

from fozzy.cli import common as c
from fozzy.cli import flag_values as v

FlakeRun = Annotated[
    list[str] | None,
    typer.Option("--flake-run", metavar="SEL",
                 help="A run of the same scenario (repeat, at least two) for the flake rate."),
]
FlakeBudget = Annotated[
    str | None,
    typer.Option("--flake-budget", metavar="PCT", help="Tolerated flake rate across --flake-run."),
]
PerfBaseline = Annotated[
    str | None,
    typer.Option("--perf-baseline", metavar="SEL",
                 help="Trace or run to compare step-latency p99 against."),
]
MaxP99 = Annotated[
    str | None,
    typer.Option("--max-p99-delta-pct", metavar="PCT",
                 help="Allowed p99 step-latency increase over --perf-baseline, in percent."),
]


def register(app: typer.Typer) -> None:
    @app.command("ci", help="Gate a trace or run: every check passes or the exit code is 1.")
    def ci(
        selector: Annotated[str, typer.Argument(metavar="TRACE_OR_RUN",
                                                help="A .fozzy trace or a run selector.")],
        flake_run: FlakeRun = None,
        flake_budget: FlakeBudget = None,
        perf_baseline: PerfBaseline = None,
        max_p99_delta_pct: MaxP99 = None,
        trust_target: c.TrustTarget = False,
    ) -> int:
        from fozzy.cli.context import G
        from fozzy.cli.output import emit
        from fozzy.modes.ci import CiRequest, execute_ci

        request = CiRequest(
            selector=selector,
            flake_runs=list(flake_run or []),
            flake_budget=v.parse_percent_flag(flake_budget, "--flake-budget", at_most=100),
            perf_baseline=perf_baseline,
            max_p99_delta_pct=v.parse_percent_flag(max_p99_delta_pct, "--max-p99-delta-pct"),
            strict=G.strict,
            base_dir=G.config.base_dir,
            limits=v.host_limits(G.config),
            trust_target=trust_target,
        )
        report = execute_ci(request)
        emit(report)
        return 0 if report["ok"] else 1
