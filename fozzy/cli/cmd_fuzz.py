"""`fuzz TARGET`: a coverage-guided (or property) fuzzing campaign on the worker pool — the
Typer declaration; what it does is `fozzy.cli.fuzz_command.run_fuzz`."""

from __future__ import annotations

from typing import Annotated

import typer

from fozzy.cli import common as c
from fozzy.cli.dask_flag import Dask

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
        from fozzy.cli.fuzz_command import FuzzArgs, run_fuzz

        return run_fuzz(FuzzArgs(
            target=target, mode=mode, det=det, seed=seed, runs=runs, time_limit=time_limit,
            jobs=jobs, dask=dask, max_input=max_input, max_corpus=max_corpus, corpus=corpus,
            mutator=tuple(mutator or ()), dictionary=dictionary, crash_only=crash_only,
            compare_feedback=compare_feedback, minimize=minimize, record=record,
            record_collision=record_collision, timeout=timeout, reporter=reporter,
            mem_track=mem_track, mem_limit_mb=mem_limit_mb, mem_fail_after=mem_fail_after,
            fail_on_leak=fail_on_leak, leak_budget=leak_budget, profile_cpu=profile_cpu,
        ))
