"""One typed method per fozzy command, each a thin mapping of keyword options to flags.

Option names are the flags' names in snake_case (`--mem-limit-mb` → `mem_limit_mb`); `None`
and `False` leave a flag out, `True` passes it bare, and a list repeats it (or joins it with
commas where the CLI takes one comma-separated value). Every method returns the command's
parsed `--json` document for exit 0/1/3/4 and raises `CommandError` for exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fozzy.documents import (
    CiReport,
    DoctorReport,
    Document,
    RunSummary,
    SchemaDoc,
    TraceVerify,
    UsageDoc,
    ValidateReport,
    VersionDoc,
)

Opt = str | int | float | bool | Sequence[str] | None


def flags(**options: Opt) -> list[str]:
    """`--kebab-case` flags for the given options, in keyword order."""
    out: list[str] = []
    for name, value in options.items():
        flag = "--" + name.rstrip("_").replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            out.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                out += [flag, str(item)]
        else:
            out += [flag, str(value)]
    return out


def _csv(values: Sequence[str] | None) -> str | None:
    return None if values is None else ",".join(values)


class Commands:
    """The typed surface shared by `Fozzy`; `command` runs one call and parses it."""

    def command(self, args: Sequence[str]) -> Any:
        raise NotImplementedError

    # Information
    def version(self) -> VersionDoc:
        return self.command(["version"])  # type: ignore[no-any-return]

    def env(self) -> Document:
        return self.command(["env"])  # type: ignore[no-any-return]

    def usage(self) -> UsageDoc:
        return self.command(["usage"])  # type: ignore[no-any-return]

    def schema(self) -> SchemaDoc:
        return self.command(["schema"])  # type: ignore[no-any-return]

    def init(
        self,
        *,
        force: bool = False,
        template: str | None = None,
        with_: Sequence[str] | None = None,
        all_tests: bool = False,
    ) -> Document:
        return self.command(  # type: ignore[no-any-return]
            ["init", *flags(force=force, template=template, with_=_csv(with_),
                            all_tests=all_tests)]
        )

    def validate(self, scenario: str) -> ValidateReport:
        return self.command(["validate", scenario])  # type: ignore[no-any-return]

    # Executing modes
    def run(
        self,
        scenario: str,
        *,
        det: bool = False,
        seed: int | None = None,
        timeout: str | None = None,
        reporter: str | None = None,
        mem_track: bool = False,
        mem_limit_mb: int | None = None,
        mem_fail_after: int | None = None,
        mem_fragmentation_seed: int | None = None,
        mem_pressure_wave: str | None = None,
        fail_on_leak: bool = False,
        leak_budget: int | None = None,
        mem_artifacts: bool = False,
        record: str | None = None,
        record_collision: str | None = None,
    ) -> RunSummary:
        return self.command(  # type: ignore[no-any-return]
            ["run", scenario, *flags(
                det=det, seed=seed, timeout=timeout, reporter=reporter, mem_track=mem_track,
                mem_limit_mb=mem_limit_mb, mem_fail_after=mem_fail_after,
                mem_fragmentation_seed=mem_fragmentation_seed,
                mem_pressure_wave=mem_pressure_wave, fail_on_leak=fail_on_leak,
                leak_budget=leak_budget, mem_artifacts=mem_artifacts, record=record,
                record_collision=record_collision)]
        )

    def test(
        self,
        patterns: Sequence[str] = (),
        *,
        det: bool = False,
        seed: int | None = None,
        jobs: int | None = None,
        timeout: str | None = None,
        filter: str | None = None,
        reporter: str | None = None,
        record: str | None = None,
        record_collision: str | None = None,
        fail_fast: bool = False,
        skip_distributed: bool = False,
        worker_mem_mb: int | None = None,
        mem_track: bool = False,
        mem_limit_mb: int | None = None,
        mem_fail_after: int | None = None,
        mem_fragmentation_seed: int | None = None,
        mem_pressure_wave: str | None = None,
        fail_on_leak: bool = False,
        leak_budget: int | None = None,
        dask: str | None = None,
    ) -> RunSummary:
        return self.command(  # type: ignore[no-any-return]
            ["test", *patterns, *flags(
                det=det, seed=seed, jobs=jobs, timeout=timeout, filter=filter,
                reporter=reporter, record=record, record_collision=record_collision,
                fail_fast=fail_fast, skip_distributed=skip_distributed,
                worker_mem_mb=worker_mem_mb, mem_track=mem_track, mem_limit_mb=mem_limit_mb,
                mem_fail_after=mem_fail_after, mem_fragmentation_seed=mem_fragmentation_seed,
                mem_pressure_wave=mem_pressure_wave, fail_on_leak=fail_on_leak,
                leak_budget=leak_budget, dask=dask)]
        )

    def fuzz(
        self,
        target: str,
        *,
        mode: str | None = None,
        det: bool = False,
        seed: int | None = None,
        runs: int | None = None,
        time: str | None = None,
        jobs: int | None = None,
        max_input: int | None = None,
        max_corpus: int | None = None,
        corpus: str | None = None,
        mutator: Sequence[str] | None = None,
        dict_: str | None = None,
        crash_only: bool = False,
        minimize: bool = False,
        record: str | None = None,
        record_collision: str | None = None,
        timeout: str | None = None,
        reporter: str | None = None,
        mem_track: bool = False,
        mem_limit_mb: int | None = None,
        mem_fail_after: int | None = None,
        fail_on_leak: bool = False,
        leak_budget: int | None = None,
        dask: str | None = None,
    ) -> RunSummary:
        return self.command(  # type: ignore[no-any-return]
            ["fuzz", target, *flags(
                mode=mode, det=det, seed=seed, runs=runs, time=time, jobs=jobs,
                max_input=max_input, max_corpus=max_corpus, corpus=corpus, mutator=mutator,
                dict_=dict_,
                crash_only=crash_only, minimize=minimize, record=record,
                record_collision=record_collision, timeout=timeout, reporter=reporter,
                mem_track=mem_track, mem_limit_mb=mem_limit_mb, mem_fail_after=mem_fail_after,
                fail_on_leak=fail_on_leak, leak_budget=leak_budget, dask=dask)]
        )

    def explore(
        self,
        scenario: str,
        *,
        schedule: str | None = None,
        schedules: int | None = None,
        seed: int | None = None,
        steps: int | None = None,
        time: str | None = None,
        nodes: int | None = None,
        faults: Sequence[str] | None = None,
        checker: Sequence[str] | None = None,
        pct_depth: int | None = None,
        jobs: int | None = None,
        shrink: bool = False,
        record: str | None = None,
        record_collision: str | None = None,
        reporter: str | None = None,
        dask: str | None = None,
    ) -> RunSummary:
        return self.command(  # type: ignore[no-any-return]
            ["explore", scenario, *flags(
                schedule=schedule, schedules=schedules, seed=seed, steps=steps, time=time,
                nodes=nodes, faults=_csv(faults), checker=_csv(checker), pct_depth=pct_depth,
                jobs=jobs, shrink=shrink, record=record, record_collision=record_collision,
                reporter=reporter, dask=dask)]
        )

    def replay(
        self,
        trace: str,
        *,
        until: str | None = None,
        step: bool = False,
        dump_events: bool = False,
        reporter: str | None = None,
        trust_target: bool = False,
    ) -> RunSummary:
        return self.command(  # type: ignore[no-any-return]
            ["replay", trace, *flags(until=until, step=step, dump_events=dump_events,
                                     reporter=reporter, trust_target=trust_target)]
        )

    def shrink(
        self,
        trace: str,
        *,
        out: str | None = None,
        budget: str | None = None,
        minimize: str | None = None,
        trust_target: bool = False,
        jobs: int | None = None,
        dask: str | None = None,
    ) -> Document:
        return self.command(  # type: ignore[no-any-return]
            ["shrink", trace, *flags(out=out, budget=budget, minimize=minimize,
                                     trust_target=trust_target, jobs=jobs, dask=dask)]
        )

    # Checks and gates
    def doctor(
        self,
        *,
        deep: bool = False,
        scenario: str | None = None,
        runs: int | None = None,
        seed: int | None = None,
        dask: str | None = None,
    ) -> DoctorReport:
        return self.command(  # type: ignore[no-any-return]
            ["doctor", *flags(deep=deep, scenario=scenario, runs=runs, seed=seed, dask=dask)]
        )

    def ci(
        self,
        trace_or_run: str,
        *,
        flake_run: Sequence[str] | None = None,
        flake_budget: float | None = None,
        perf_baseline: str | None = None,
        max_p99_delta_pct: float | None = None,
        trust_target: bool = False,
    ) -> CiReport:
        return self.command(  # type: ignore[no-any-return]
            ["ci", trace_or_run, *flags(
                flake_run=flake_run, flake_budget=flake_budget, perf_baseline=perf_baseline,
                max_p99_delta_pct=max_p99_delta_pct, trust_target=trust_target)]
        )

    def trace_verify(self, path: str) -> TraceVerify:
        return self.command(["trace", "verify", path])  # type: ignore[no-any-return]
