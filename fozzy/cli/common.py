"""Options that every scenario-executing command shares (`run`, `test`, …), as Typer
declarations.

Declare them in a command with the `Annotated` aliases below, then hand the raw values to
`fozzy.cli.flag_values.execution_flags`, which checks them and applies the precedence rules.
"""

from __future__ import annotations

from typing import Annotated

import typer

Det = Annotated[
    bool, typer.Option("--det", help="Deterministic mode: virtual time, recorded decisions.")
]
Seed = Annotated[
    str | None, typer.Option("--seed", metavar="N", help="Run seed (u64); random when omitted.")
]
Timeout = Annotated[
    str | None,
    typer.Option(
        "--timeout", metavar="DUR", help="Per-scenario time limit, e.g. 500ms, 2s, 1m."
    ),
]
Reporter = Annotated[
    str | None,
    typer.Option(
        "--reporter",
        metavar="pretty|json|junit|html",
        help="Output style; junit/html also write junit.xml/report.html to the run dir.",
    ),
]
TrustTarget = Annotated[
    bool,
    typer.Option("--trust-target",
                 help="Run a trace's fn: fuzz target even when its module is not a file under"
                 " the working directory (a trace is data; see docs/security.md)."),
]
MemTrack = Annotated[bool, typer.Option("--mem-track", help="Track simulated memory.")]
MemLimitMb = Annotated[
    int | None, typer.Option("--mem-limit-mb", metavar="N", help="Simulated memory ceiling (MiB).")
]
MemFailAfter = Annotated[
    int | None,
    typer.Option("--mem-fail-after", metavar="N", help="Fail allocation attempts after N."),
]
MemFragmentationSeed = Annotated[
    int | None,
    typer.Option("--mem-fragmentation-seed", metavar="N", help="Fragmentation overhead seed."),
]
MemPressureWave = Annotated[
    str | None,
    typer.Option("--mem-pressure-wave", metavar="PAT", help="Size multipliers, e.g. 1,2,4."),
]
FailOnLeak = Annotated[bool, typer.Option("--fail-on-leak", help="Any leak fails the run.")]
LeakBudget = Annotated[
    int | None, typer.Option("--leak-budget", metavar="BYTES", help="Tolerated leaked bytes.")
]
WorkerMemMb = Annotated[
    int | None,
    typer.Option("--worker-mem-mb", metavar="N",
                 help="Kill a worker (and its processes) above N MiB; its scenario crashes."),
]
MemArtifacts = Annotated[
    bool,
    typer.Option("--mem-artifacts", help="Write memory.*.json sidecars with heavy artifacts."),
]
ProfileCapture = Annotated[
    str,
    typer.Option("--profile-capture", metavar="baseline|full",
                 help="full: keep events.json/timeline.json even for a passing run, so"
                      " `fozzy profile` sees every domain (baseline: only when it fails)."),
]
