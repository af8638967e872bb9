"""`shrink TRACE`: minimise a failing trace into the smallest reproducer of the same failure."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from fozzy.cli import common as c
from fozzy.cli import flag_values as v
from fozzy.cli.dask_flag import Dask

Out = Annotated[
    str | None,
    typer.Option("--out", metavar="PATH",
                 help="Output trace (default <trace>.min.fozzy; append naming if taken)."),
]
Budget = Annotated[
    str | None,
    typer.Option("--budget", metavar="DUR", help="Wall-clock budget for shrinking [default: 15s]."),
]
Minimize = Annotated[
    str,
    typer.Option("--minimize", metavar="input|schedule|faults|all",
                 help="What to minimise: steps/bytes (input), an explore schedule, its faults."),
]
Jobs = Annotated[
    int | None,
    typer.Option("--jobs", "-j", metavar="N",
                 help="Worker processes running candidates (default: usable CPUs)."),
]


def _interrupted(document: dict[str, Any]) -> int:
    """Print how far an interrupted shrink got (one JSON document or one line) and exit
    `128 + signal`."""
    import sys

    from fozzy.cli.context import G
    from fozzy.cli.output import print_json
    from fozzy.cli.signals import interrupt_exit_code

    if G.json:
        print_json(document)
    else:
        sys.stdout.write(f"shrink    {document['findings'][0]['message']}\n")
    return interrupt_exit_code()


def register(app: typer.Typer) -> None:
    @app.command("shrink", help="Minimise a failing trace; the result fails the same way.")
    def shrink(
        trace: Annotated[str, typer.Argument(help="Failing .fozzy trace.")],
        out: Out = None,
        budget: Budget = None,
        minimize: Minimize = "all",
        trust_target: c.TrustTarget = False,
        jobs: Jobs = None,
        dask: Dask = None,
    ) -> int:
        import sys

        from fozzy.artifacts.render import pretty_text
        from fozzy.cli.context import G
        from fozzy.cli.dask_choice import resolve_dask
        from fozzy.cli.output import print_json
        from fozzy.executor.cpus import usable_cpus
        from fozzy.executor.interrupted import was_interrupted
        from fozzy.executor.jobs import capped_jobs
        from fozzy.modes.shrink import DEFAULT_BUDGET_MS, ShrinkRequest, execute_shrink

        parsed = v.parse_duration_flag(budget, "--budget")
        budget_ms = DEFAULT_BUDGET_MS if parsed is None else parsed
        request = ShrinkRequest(
            trace_path=trace,
            out=out,
            budget_ms=budget_ms,
            minimize=minimize,
            jobs=capped_jobs(jobs) if jobs is not None else usable_cpus(),
            limits=v.host_limits(G.config),
            trust_target=trust_target,
            invocation=v.invocation(),
            dask=resolve_dask(dask, G.config),
        )
        from fozzy.cli.dask_display import dask_display

        with dask_display(request.dask):
            done = execute_shrink(request)
        if was_interrupted(done.summary):
            return _interrupted(done.document())
        if G.json:
            print_json(done.document())
            return 0
        color = not G.no_color and sys.stdout.isatty()
        s = done.stats
        sys.stdout.write(pretty_text(done.summary, color=color))
        sig = s["signature"]
        sys.stdout.write(
            f"shrink    {s['original']} -> {s['shrunk']} {s['unit']}, {s['candidates']}"
            f" candidates in {s['wallMs']}ms (jobs={s['jobs']}"
            f"{', dask workers=' + str(s['daskWorkers']) if 'daskWorkers' in s else ''})"
            f"{', budget spent' if s['outOfBudget'] else ''}\n"
            f"preserved {sig['status']} {sig['kind']}/{sig['title']}\n"
        )
        return 0
