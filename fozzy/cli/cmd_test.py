"""`test [GLOB_OR_PATH...]`: run a suite on the worker pool."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fozzy.cli import common as c
from fozzy.cli import flag_values as v
from fozzy.cli.dask_flag import Dask

if TYPE_CHECKING:
    from fozzy.modes.test import Entry, Progress

_STATUS_WORD = {"pass": "PASS", "fail": "FAIL", "timeout": "TIMEOUT", "crash": "CRASH"}

Patterns = Annotated[
    list[str] | None,
    typer.Argument(help="Scenario files, directories or globs (default tests/**/*.fozzy.json)."),
]
Jobs = Annotated[
    int | None,
    typer.Option("--jobs", "-j", metavar="N", help="Worker processes (default: usable CPUs)."),
]
Filter = Annotated[
    str | None,
    typer.Option("--filter", metavar="TEXT", help="Only scenarios whose path or name has TEXT."),
]
Record = Annotated[
    str | None,
    typer.Option("--record", metavar="PATH", help="Record a trace per scenario (PATH = stem)."),
]
RecordCollision = Annotated[
    str, typer.Option("--record-collision", metavar="error|overwrite|append")
]
FailFast = Annotated[
    bool, typer.Option("--fail-fast", help="Stop at the first failure (runs serially).")
]
SkipDistributed = Annotated[
    bool, typer.Option("--skip-distributed", help="Report distributed scenarios as skipped.")
]


def _plain_progress() -> Progress:
    """One line per scenario on stderr, for logs and non-TTY CI output."""
    from fozzy.modes.test import Progress

    def on_result(entry: Entry) -> None:
        row = entry.row or {}
        word = _STATUS_WORD.get(row.get("status", ""), "?")
        sys.stderr.write(f"{word:7} {entry.selected.path} ({row.get('durationMs', 0)}ms)\n")

    return Progress(on_result=on_result)


def _live_progress() -> tuple[Progress, Any]:
    """A rich progress bar on stderr: done/total, pass and fail counts, the latest scenario."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    from fozzy.modes.test import Progress

    bar = Bar(
        TextColumn("[bold]test"), BarColumn(), MofNCompleteColumn(),
        TextColumn("[green]{task.fields[passed]} pass"),
        TextColumn("[red]{task.fields[failed]} fail"), TimeElapsedColumn(),
        TextColumn("[cyan]{task.fields[workers]}"), TextColumn("[dim]{task.fields[last]}"),
        console=Console(stderr=True), transient=True,
    )
    task = bar.add_task("test", total=None, passed=0, failed=0, workers="", last="")
    counts = {"pass": 0, "fail": 0}

    def on_start(total: int) -> None:
        bar.update(task, total=total)

    def on_result(entry: Entry) -> None:
        status = (entry.row or {}).get("status")
        counts["pass" if status == "pass" else "fail"] += 1
        bar.update(task, advance=1, passed=counts["pass"], failed=counts["fail"],
                   last=entry.selected.path[-60:])

    return Progress(on_start, on_result), bar


def register(app: typer.Typer) -> None:
    @app.command("test", help="Run a suite of scenarios in parallel on sandboxed workers.")
    def test(
        patterns: Patterns = None,
        det: c.Det = False,
        seed: c.Seed = None,
        jobs: Jobs = None,
        dask: Dask = None,
        timeout: c.Timeout = None,
        filter_: Filter = None,
        reporter: c.Reporter = None,
        record: Record = None,
        record_collision: RecordCollision = "append",
        fail_fast: FailFast = False,
        skip_distributed: SkipDistributed = False,
        worker_mem_mb: c.WorkerMemMb = None,
        mem_track: c.MemTrack = False,
        mem_limit_mb: c.MemLimitMb = None,
        mem_fail_after: c.MemFailAfter = None,
        mem_fragmentation_seed: c.MemFragmentationSeed = None,
        mem_pressure_wave: c.MemPressureWave = None,
        fail_on_leak: c.FailOnLeak = False,
        leak_budget: c.LeakBudget = None,
        profile_capture: c.ProfileCapture = "baseline",
    ) -> int:
        from fozzy.analysis.profile.budgets import HeapBudgets
        from fozzy.cli.context import G
        from fozzy.cli.dask_choice import resolve_dask
        from fozzy.errors import ArgumentError
        from fozzy.executor.cpus import usable_cpus
        from fozzy.executor.jobs import capped_jobs
        from fozzy.modes.test import TestRequest, execute_test

        flags = v.execution_flags(
            G.config, det=det, seed=seed, timeout=timeout, reporter=reporter,
            mem_track=mem_track, mem_limit_mb=mem_limit_mb, mem_fail_after=mem_fail_after,
            mem_fragmentation_seed=mem_fragmentation_seed, mem_pressure_wave=mem_pressure_wave,
            fail_on_leak=fail_on_leak, leak_budget=leak_budget, mem_artifacts=False,
        )
        if jobs is not None and jobs < 1:
            raise ArgumentError(f"--jobs must be at least 1, got {jobs}")
        if flags.reporter == "json":
            G.json = True
        request = TestRequest(
            patterns=list(patterns or []),
            seed=flags.seed,
            det=flags.det,
            timeout_ms=flags.timeout_ms,
            reporter=flags.reporter,
            memory=flags.memory,
            backends=G.backends(),
            limits=v.host_limits(G.config),
            base_dir=G.config.base_dir,
            dask=resolve_dask(dask, G.config),
            jobs=capped_jobs(jobs or usable_cpus()),
            filter=filter_,
            fail_fast=fail_fast,
            skip_distributed=skip_distributed,
            record=record,
            record_collision=record_collision,
            worker_mem_mb=v.worker_mem_mb(worker_mem_mb),
            full_capture=v.full_profile_capture(profile_capture),
            heap_budgets=HeapBudgets.from_config(G.config),
            invocation=v.invocation(),
        )
        from fozzy.cli.dask_display import dask_display

        if G.json:
            done, interrupted = execute_test(request)
        elif sys.stderr.isatty() and not G.no_color:
            progress, bar = _live_progress()
            with bar, dask_display(request.dask, bar):
                done, interrupted = execute_test(request, progress)
        else:
            with dask_display(request.dask):
                done, interrupted = execute_test(request, _plain_progress())
        code = v.conclude(done.summary, flags.reporter)
        if interrupted:
            from fozzy.cli.signals import interrupt_exit_code

            return interrupt_exit_code()
        return code
