"""The worker-count ceiling behind every `--jobs` flag.

Each worker is a forked interpreter (~5 MB resident before it runs anything), so an
unbounded `--jobs 10000` forks thousands of processes for no speed-up: past a few workers per
usable CPU, more only add memory and scheduling. A request above the ceiling is lowered with a
one-line warning on stderr (`fozzy.diag`: stdout stays one JSON document under `--json`, and
`--log error` silences it); the pool already never
starts more workers than it has items.
"""

from __future__ import annotations

from fozzy import diag
from fozzy.executor.cpus import usable_cpus

#: Workers allowed per CPU in this process's affinity mask (the documented `--jobs` maximum).
JOBS_PER_CPU = 4


def max_jobs() -> int:
    return JOBS_PER_CPU * usable_cpus()


def capped_jobs(requested: int) -> int:
    """`requested`, or the ceiling (with a note) when it asks for more."""
    ceiling = max_jobs()
    if requested <= ceiling:
        return requested
    diag.warn(f"--jobs {requested} capped at {ceiling} ({JOBS_PER_CPU} per usable CPU)")
    return ceiling
