"""The command that reproduces a failure, rendered in one place for every mode.

Every failing summary hands over a `reproduce` command: a shell command starting with
`fozzy ` that, run from the same directory, comes back with the same status (`run` and each
`test` row re-run the scenario, the suite re-runs itself, a fuzz crash replays its trace, an
explore violation re-runs the search). The flags are spelled here only, so no mode forgets
one that changes the outcome: the seed, `--det`, backends, `--timeout`, memory options,
`--worker-mem-mb`, a non-default `--config` and `--cwd`. Flags that cannot change a status
(`--record`, `--reporter`, `--jobs` where results do not depend on it) are left out, so
running the command never writes over the original's trace. Every token is shell-quoted
with `shlex.quote`; `shlex.split` gives the argv back.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from fozzy.artifacts.invocation import Invocation

#: Normalized memory options (workers.engine.memory) and the `run`/`test` flag of each;
#: `artifacts` only chooses which files are written, so it is not repeated.
_MEMORY_VALUES = (
    ("limit_mb", "--mem-limit-mb"), ("fail_after_allocs", "--mem-fail-after"),
    ("fragmentation_seed", "--mem-fragmentation-seed"),
    ("pressure_wave", "--mem-pressure-wave"), ("leak_budget_bytes", "--leak-budget"),
)


class RunFlags(NamedTuple):
    """The flags of a scenario execution (`run`, `test`) that decide its outcome."""

    det: bool
    timeout_ms: int | None
    memory: Mapping[str, Any]
    backends: Mapping[str, str]
    worker_mem_mb: int | None = None

    def args(self) -> list[str]:
        args = ["--det"] if self.det else []
        args += _option("--timeout", None if self.timeout_ms is None else f"{self.timeout_ms}ms")
        args += _option("--worker-mem-mb", self.worker_mem_mb)
        memory: list[str] = []
        if self.memory.get("fail_on_leak"):
            memory.append("--fail-on-leak")
        for key, flag in _MEMORY_VALUES:
            memory += _option(flag, self.memory.get(key))
        # Any other memory option turns tracking on by itself.
        if self.memory.get("track") and not memory:
            memory.append("--mem-track")
        return args + memory


def _option(flag: str, value: object) -> list[str]:
    return [] if value is None else [flag, str(value)]


def _operand(path: str) -> str:
    """A path argument that can never be read as an option."""
    return f"./{path}" if path.startswith("-") else path


def command(inv: Invocation, subcommand: str, args: Sequence[str],
            backends: Mapping[str, str] | None = None) -> str:
    """`fozzy <global flags> <subcommand> <args>`, every token shell-quoted."""
    tokens = ["fozzy", *inv.global_args(backends), subcommand, *args]
    return " ".join(shlex.quote(t) for t in tokens)


def run_command(inv: Invocation, path: str, seed: int, ex: RunFlags) -> str:
    """Re-runs one steps scenario with its own seed: `run`, and each `test` row (a crashed
    row too: it needs no trace, and `--worker-mem-mb` comes along)."""
    return command(inv, "run", [_operand(path), "--seed", str(seed), *ex.args()], ex.backends)


def suite_command(inv: Invocation, patterns: Sequence[str], seed: int, ex: RunFlags, *,
                 jobs: int, filter_text: str | None, fail_fast: bool,
                 skip_distributed: bool) -> str:
    """Re-runs the whole suite. `--jobs` is kept: the worker restart budget follows it."""
    args = [*(_operand(p) for p in patterns), "--seed", str(seed), *ex.args(),
            "--jobs", str(jobs), *_option("--filter", filter_text)]
    args += ["--fail-fast"] if fail_fast else []
    args += ["--skip-distributed"] if skip_distributed else []
    return command(inv, "test", args, ex.backends)


def replay_command(inv: Invocation, trace: str, *, trust_target: bool = False,
                   until_ms: int | None = None) -> str:
    """Replays a recorded trace (fuzz crashes: the mutant or input exists only there; a
    failing replay: itself). `--trust-target` when the trace's fn: target is not a project
    file, which replay would otherwise refuse to run; `--until` when a budget was set."""
    args = [_operand(trace), *_option("--until", None if until_ms is None else f"{until_ms}ms")]
    return command(inv, "replay", [*args, *(["--trust-target"] if trust_target else [])])


class Search(NamedTuple):
    """The `explore` flags that decide which schedules run and what they check."""

    schedule: str
    seed: int
    schedules: int | None = None
    steps: int | None = None
    nodes: int | None = None
    faults: str | None = None
    checker: str | None = None
    pct_depth: int | None = None
    time_ms: int | None = None


def explore_command(inv: Invocation, path: str, search: Search, status: str) -> str:
    """Re-runs the search, which is deterministic in batch order. A violation (`fail`) is
    reached again without `--time`, which could only cut a slower re-run short; a timed-out
    or crashed search keeps its budget."""
    args = [_operand(path), "--schedule", search.schedule, "--seed", str(search.seed)]
    for flag, value in (
        ("--schedules", search.schedules), ("--steps", search.steps),
        ("--nodes", search.nodes), ("--faults", search.faults),
        ("--checker", search.checker), ("--pct-depth", search.pct_depth),
    ):
        args += _option(flag, value)
    if status != "fail" and search.time_ms is not None:
        args += ["--time", f"{search.time_ms}ms"]
    return command(inv, "explore", args)
