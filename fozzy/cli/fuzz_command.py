"""What `fozzy fuzz` does with its arguments, without Typer: the Typer command
(`fozzy.cli.cmd_fuzz`) and the fast start (`fozzy.cli.fast`) both end here, with the same
`FuzzArgs`, so the two paths cannot differ past parsing."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from fozzy.cli import flag_values as v

if TYPE_CHECKING:
    from fozzy.cli.dask_display import ClusterFollow
    from fozzy.modes.fuzz import Stats


class FuzzArgs(NamedTuple):
    """The command's values as given (None: the flag was absent), before any check."""

    target: str
    mode: str = "coverage"
    det: bool = False
    seed: str | None = None
    runs: int | None = None
    time_limit: str | None = None
    jobs: int | None = None
    dask: str | None = None
    max_input: int = 4096
    max_corpus: int | None = None
    corpus: str | None = None
    mutator: tuple[str, ...] = ()
    dictionary: str | None = None
    crash_only: bool = False
    compare_feedback: bool = True
    minimize: bool = False
    record: str | None = None
    record_collision: str = "append"
    timeout: str | None = None
    reporter: str | None = None
    mem_track: bool = False
    mem_limit_mb: int | None = None
    mem_fail_after: int | None = None
    fail_on_leak: bool = False
    leak_budget: int | None = None
    profile_cpu: bool = False


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


def run_fuzz(a: FuzzArgs) -> int:
    from fozzy.cli.context import G
    from fozzy.cli.dask_choice import resolve_dask
    from fozzy.errors import ArgumentError
    from fozzy.executor.cpus import usable_cpus
    from fozzy.executor.jobs import capped_jobs
    from fozzy.fuzzing.campaign import DEFAULT_MAX_CORPUS
    from fozzy.fuzzing.dictionary import load_dictionary
    from fozzy.fuzzing.targets import FuzzRequest
    from fozzy.modes.fuzz import execute_fuzz

    if a.det and (a.runs is None or a.time_limit is not None):
        raise ArgumentError("--det needs --runs and cannot be combined with --time")
    if a.runs is None and a.time_limit is None and not a.crash_only:
        raise ArgumentError("give --runs N, --time DUR or --crash-only so the campaign ends")
    if a.runs is not None and a.runs < 1:
        raise ArgumentError(f"--runs must be at least 1, got {a.runs}")
    if a.max_input < 1:
        raise ArgumentError(f"--max-input must be at least 1, got {a.max_input}")
    time_ms = v.parse_duration_flag(a.time_limit, "--time")
    rep = v.resolve_reporter(a.reporter, G.config)
    if rep == "json":
        G.json = True
    request = FuzzRequest(
        target=a.target,
        seed=0 if a.det and a.seed is None else v.parse_seed(a.seed),
        mode=a.mode,
        runs=a.runs,
        time_ms=time_ms,
        dask=resolve_dask(a.dask, G.config),
        jobs=capped_jobs(a.jobs or (1 if a.det else usable_cpus())),
        max_input=a.max_input,
        max_corpus=DEFAULT_MAX_CORPUS if a.max_corpus is None else a.max_corpus,
        started=G.started,
        corpus=a.corpus,
        mutators=list(a.mutator or []),
        dictionary=load_dictionary(a.dictionary) if a.dictionary is not None else [],
        crash_only=a.crash_only,
        compare_feedback=a.compare_feedback,
        minimize=a.minimize,
        record=a.record,
        record_collision=a.record_collision,
        reporter=rep,
        timeout_ms=v.parse_timeout(a.timeout),
        memory=v.memory_options(
            G.config, track=a.mem_track, limit_mb=a.mem_limit_mb, fail_after=a.mem_fail_after,
            fail_on_leak=a.fail_on_leak, leak_budget=a.leak_budget,
        ),
        backends=G.backends(),
        limits=v.host_limits(G.config),
        base_dir=G.config.base_dir,
        profile_cpu=a.profile_cpu,
        invocation=v.invocation(),
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
    code = v.conclude(done.summary, rep)
    if not G.json:
        f = done.summary["fuzz"]
        sys.stdout.write(
            f"fuzz     target={f['target']} executed={f['executed']}"
            f" ({f['execsPerSecond']}/s) rejected={f['rejected']} features={f['features']}"
            f" corpus={f['corpusEntries']} (+{f['newCorpusEntries']})"
            f" crashes={len(f['crashes'])}\n"
        )
    return v.interrupted_or(code, done.summary)
