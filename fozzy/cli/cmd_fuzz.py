"""`fuzz TARGET`: a coverage-guided (or property) fuzzing campaign on the worker pool."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fozzy.cli import common as c
from fozzy.cli.dask_flag import Dask

if TYPE_CHECKING:
    from fozzy.cli.dask_display import ClusterFollow
    from fozzy.modes.fuzz import Stats

Target = Annotated[
    str, typer.Argument(help="scenario:<path>, <path>.fozzy.json, or fn:<module>:<callable>.")
]
Mode = Annotated[str, typer.Option("--mode", metavar="coverage|property")]
Runs = Annotated[int | None, typer.Option("--runs", metavar="N", help="Stop after N executions.")]
TimeLimit = Annotated[
    str | None, typer.Option("--time", metavar="DUR", help="Stop after this long, e.g. 30s.")
]
Jobs = Annotated[
    int | None,
    typer.Option("--jobs", "-j", metavar="N", help="Worker processes (default: usable CPUs)."),
]
MaxInput = Annotated[int, typer.Option("--max-input", metavar="BYTES", help="fn input cap.")]
MaxCorpus = Annotated[
    int | None,
    typer.Option("--max-corpus", metavar="N", help="Corpus entries at most (default 1024)."),
]
Corpus = Annotated[
    str | None,
    typer.Option("--corpus", metavar="DIR", help="Corpus dir (default .fozzy/corpora/<target>)."),
]
Mutator = Annotated[
    list[str] | None,
    typer.Option("--mutator", metavar="NAME", help="Only these mutators (repeatable)."),
]
Dictionary = Annotated[
    str | None,
    typer.Option("--dict", metavar="FILE", help="Tokens (AFL dictionary format) to splice in."),
]
CrashOnly = Annotated[bool, typer.Option("--crash-only", help="Stop at the first crash.")]
CompareFeedback = Annotated[
    bool,
    typer.Option("--compare-feedback/--no-compare-feedback",
                 help="fn: comparison operands guide mutation and count as coverage."),
]
Minimize = Annotated[
    bool, typer.Option("--minimize", "--shrink", help="Minimize each crashing input.")
]
Record = Annotated[
    str | None, typer.Option("--record", metavar="PATH", help="Where crash traces go.")
]
RecordCollision = Annotated[
    str, typer.Option("--record-collision", metavar="error|overwrite|append")
]
ProfileCpu = Annotated[bool, typer.Option(
    "--profile-cpu", help="Sample the fn: target's stacks (see `fozzy profile top`).")]


def _plain(cluster: ClusterFollow, every: float = 2.0) -> Any:
    last = [0.0]

    def show(s: Stats) -> None:
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            rate = int(s.execs / s.elapsed) if s.elapsed else 0
            sys.stderr.write(
                f"fuzz execs={s.execs} ({rate}/s) corpus={s.corpus} features={s.features}"
                f" crashes={s.crashes} elapsed={s.elapsed:.1f}s"
                + (f" dask={cluster.text()}" if cluster.view is not None else "") + "\n"
            )

    return show


def _live(cluster: ClusterFollow) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.live import Live
    from rich.table import Table

    live = Live(console=Console(stderr=True), transient=True, refresh_per_second=4)

    def show(s: Stats) -> None:
        table = Table.grid(padding=(0, 2))
        rate = int(s.execs / s.elapsed) if s.elapsed else 0
        table.add_row("[bold]fuzz", f"execs [bold]{s.execs}", f"{rate}/s",
                      f"corpus [bold]{s.corpus}", f"features [bold]{s.features}",
                      f"crashes [bold red]{s.crashes}", f"{s.elapsed:.1f}s")
        if cluster.view is not None:
            table.add_row("[bold]dask", f"[cyan]{cluster.text()}")
        live.update(table)

    return show, live


def register(app: typer.Typer) -> None:
    @app.command("fuzz", help="Fuzz a scenario's inputs or a Python callable.")
    def fuzz(
        target: Target,
        mode: Mode = "coverage",
        det: Annotated[bool, typer.Option("--det", help="Reproducible: needs --runs.")] = False,
        seed: c.Seed = None,
        runs: Runs = None,
        time_limit: TimeLimit = None,
        jobs: Jobs = None,
        dask: Dask = None,
        max_input: MaxInput = 4096,
        max_corpus: MaxCorpus = None,
        corpus: Corpus = None,
        mutator: Mutator = None,
        dictionary: Dictionary = None,
        crash_only: CrashOnly = False,
        compare_feedback: CompareFeedback = True,
        minimize: Minimize = False,
        record: Record = None,
        record_collision: RecordCollision = "append",
        timeout: c.Timeout = None,
        reporter: c.Reporter = None,
        mem_track: c.MemTrack = False,
        mem_limit_mb: c.MemLimitMb = None,
        mem_fail_after: c.MemFailAfter = None,
        fail_on_leak: c.FailOnLeak = False,
        leak_budget: c.LeakBudget = None,
        profile_cpu: ProfileCpu = False,
    ) -> int:
        from fozzy.cli.context import G
        from fozzy.cli.dask_flag import resolve_dask
        from fozzy.errors import ArgumentError
        from fozzy.executor.cpus import usable_cpus
        from fozzy.executor.jobs import capped_jobs
        from fozzy.fuzzing.campaign import DEFAULT_MAX_CORPUS
        from fozzy.fuzzing.dictionary import load_dictionary
        from fozzy.fuzzing.targets import FuzzRequest
        from fozzy.modes.fuzz import execute_fuzz

        if det and (runs is None or time_limit is not None):
            raise ArgumentError("--det needs --runs and cannot be combined with --time")
        if runs is None and time_limit is None and not crash_only:
            raise ArgumentError("give --runs N, --time DUR or --crash-only so the campaign ends")
        if runs is not None and runs < 1:
            raise ArgumentError(f"--runs must be at least 1, got {runs}")
        if max_input < 1:
            raise ArgumentError(f"--max-input must be at least 1, got {max_input}")
        time_ms = c.parse_duration_flag(time_limit, "--time")
        rep = c.resolve_reporter(reporter, G.config)
        if rep == "json":
            G.json = True
        request = FuzzRequest(
            target=target,
            seed=0 if det and seed is None else c.parse_seed(seed),
            mode=mode,
            runs=runs,
            time_ms=time_ms,
            dask=resolve_dask(dask, G.config),
            jobs=capped_jobs(jobs or (1 if det else usable_cpus())),
            max_input=max_input,
            max_corpus=DEFAULT_MAX_CORPUS if max_corpus is None else max_corpus,
            started=G.started,
            corpus=corpus,
            mutators=list(mutator or []),
            dictionary=load_dictionary(dictionary) if dictionary is not None else [],
            crash_only=crash_only,
            compare_feedback=compare_feedback,
            minimize=minimize,
            record=record,
            record_collision=record_collision,
            reporter=rep,
            timeout_ms=c.parse_timeout(timeout),
            memory=c.memory_options(
                G.config, track=mem_track, limit_mb=mem_limit_mb, fail_after=mem_fail_after,
                fail_on_leak=fail_on_leak, leak_budget=leak_budget,
            ),
            backends=G.backends(),
            limits=c.host_limits(G.config),
            base_dir=G.config.base_dir,
            profile_cpu=profile_cpu,
            invocation=c.invocation(),
        )
        if request.jobs < 1:
            raise ArgumentError(f"--jobs must be at least 1, got {request.jobs}")
        from fozzy.cli.dask_display import ClusterFollow, dask_display

        cluster = ClusterFollow()
        if G.json:
            done = execute_fuzz(request)
        elif sys.stderr.isatty() and not G.no_color:
            show, live = _live(cluster)
            with live, dask_display(request.dask, follow=cluster):
                done = execute_fuzz(request, show)
        else:
            with dask_display(request.dask, follow=cluster):
                done = execute_fuzz(request, _plain(cluster))
        code = c.conclude(done.summary, rep)
        if not G.json:
            f = done.summary["fuzz"]
            sys.stdout.write(
                f"fuzz     target={f['target']} executed={f['executed']}"
                f" ({f['execsPerSecond']}/s) rejected={f['rejected']} features={f['features']}"
                f" corpus={f['corpusEntries']} (+{f['newCorpusEntries']})"
                f" crashes={len(f['crashes'])}\n"
            )
        return c.interrupted_or(code, done.summary)
