"""`explore SCENARIO`: search a distributed scenario's schedules for invariant violations."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from fozzy.cli import common as c
from fozzy.cli import flag_values as v
from fozzy.cli.dask_flag import Dask

Schedule = Annotated[
    str,
    typer.Option("--schedule", metavar="fifo|random|pct|coverage_guided|bfs|dfs",
                 help="Search strategy (default fifo: the one in-order schedule)."),
]
Schedules = Annotated[
    int | None,
    typer.Option("--schedules", metavar="N",
                 help="Schedules to sample for random/pct/coverage_guided (default 1000)."),
]
Steps = Annotated[
    int | None,
    typer.Option("--steps", metavar="N",
                 help="Choices the strategy makes per schedule (bfs/dfs: search depth);"
                      " the rest is completed in fifo order."),
]
TimeLimit = Annotated[
    str | None,
    typer.Option("--time", metavar="DUR", help="Wall-clock limit; unfinished search = timeout."),
]
Nodes = Annotated[
    int | None,
    typer.Option("--nodes", metavar="N", help="Resize a node_count cluster to n0..n{N-1}."),
]
Faults = Annotated[
    str | None,
    typer.Option("--faults", metavar="LIST",
                 help="Comma-separated presets or JSON fault files (docs/explore-faults.md)."),
]
Checker = Annotated[
    str | None,
    typer.Option("--checker", metavar="LIST",
                 help="Replace the invariants: kv_all_equal:K,kv_present_on_all:K,"
                      "kv_node_equals:N:K:V."),
]
PctDepth = Annotated[
    int | None, typer.Option("--pct-depth", metavar="D", help="PCT bug depth (default 3).")
]
Jobs = Annotated[
    int | None,
    typer.Option("--jobs", "-j", metavar="N", help="Worker processes (default: usable CPUs)."),
]
Shrink = Annotated[
    bool, typer.Option("--shrink", help="Record the shortest schedule that still violates.")
]
Record = Annotated[str | None, typer.Option("--record", metavar="PATH", help="Trace path.")]
RecordCollision = Annotated[
    str, typer.Option("--record-collision", metavar="error|overwrite|append")
]


def _explore_lines(report: dict[str, Any]) -> str:
    lines = [
        f"explore  schedule={report['schedule']} schedules={report['schedules']}"
        f" distinct_states={report['distinctStates']}"
        f" exhausted={'yes' if report['exhausted'] else 'no'}"
        f" nodes={','.join(report['nodes'])}",
    ]
    if "choices" in report:
        shown = " ".join("step" if ch == 0 else f"deliver:{ch}" for ch in report["choices"])
        shrunk = f" (shrunk from {report['shrunkFrom']})" if "shrunkFrom" in report else ""
        lines.append(f"schedule {shown or '(fifo)'}{shrunk}")
    return "".join(f"{line}\n" for line in lines)


def register(app: typer.Typer) -> None:
    @app.command("explore", help="Explore message schedules and faults of a distributed"
                                 " scenario, checking its invariants.")
    def explore(
        scenario: Annotated[str, typer.Argument(help="Distributed scenario (*.fozzy.json).")],
        schedule: Schedule = "fifo",
        schedules: Schedules = None,
        seed: c.Seed = None,
        steps: Steps = None,
        time_limit: TimeLimit = None,
        nodes: Nodes = None,
        faults: Faults = None,
        checker: Checker = None,
        pct_depth: PctDepth = None,
        jobs: Jobs = None,
        dask: Dask = None,
        shrink: Shrink = False,
        record: Record = None,
        record_collision: RecordCollision = "append",
        reporter: c.Reporter = None,
    ) -> int:
        from fozzy.cli.context import G
        from fozzy.cli.dask_choice import resolve_dask
        from fozzy.errors import ArgumentError
        from fozzy.executor.cpus import usable_cpus
        from fozzy.executor.jobs import capped_jobs
        from fozzy.modes.explore import ExploreRequest, execute_explore

        rep = v.resolve_reporter(reporter, G.config)
        if rep == "json":
            G.json = True
        time_ms = v.parse_duration_flag(time_limit, "--time")
        request = ExploreRequest(
            scenario_path=scenario,
            seed=v.parse_seed(seed),
            schedule=schedule,
            schedules=schedules,
            steps=steps,
            time_ms=time_ms,
            nodes=nodes,
            faults=faults,
            checker=checker,
            pct_depth=pct_depth,
            dask=resolve_dask(dask, G.config),
            jobs=capped_jobs(jobs or usable_cpus()),
            shrink=shrink,
            reporter=rep,
            base_dir=G.config.base_dir,
            record=record,
            record_collision=record_collision,
            invocation=v.invocation(),
        )
        if request.jobs < 1:
            raise ArgumentError(f"--jobs must be at least 1, got {request.jobs}")
        from fozzy.cli.dask_display import dask_display

        with dask_display(request.dask):
            done, report = execute_explore(request)
        code = v.conclude(done.summary, rep)
        if not G.json:
            sys.stdout.write(_explore_lines(report))
        return v.interrupted_or(code, done.summary)
