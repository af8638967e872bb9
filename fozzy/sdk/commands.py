"""The typed methods of the information, executing and checking commands.

Option names are the flags' names in snake_case (`--mem-limit-mb` → `mem_limit_mb`); `None`
and `False` leave a flag out, `True` passes it bare, and a list repeats it (or joins it with
commas where the CLI takes one comma-separated value). Each is a `@command` (see
`fozzy.sdk.command`), so `Fozzy` and `AsyncFozzy` share it: the method returns the command's
parsed `--json` document for exit 0/1/3/4 and raises `CommandError` for exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from fozzy.sdk.command import Call, command, csv, flags, toggle


class Commands:
    # Information
    @command
    def version() -> Call[VersionDoc]:
        return Call(["version"])

    @command
    def env() -> Call[Document]:
        return Call(["env"])

    @command
    def usage() -> Call[UsageDoc]:
        return Call(["usage"])

    @command
    def schema() -> Call[SchemaDoc]:
        return Call(["schema"])

    @command
    def init(
        *,
        force: bool = False,
        template: str | None = None,
        with_: Sequence[str] | None = None,
        all_tests: bool = False,
    ) -> Call[Document]:
        return Call(["init", *flags(force=force, template=template, with_=csv(with_),
                                    all_tests=all_tests)])

    @command
    def validate(scenario: str) -> Call[ValidateReport]:
        return Call(["validate", scenario])

    # Executing modes
    @command
    def run(
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
        worker_mem_mb: int | None = None,
        record: str | None = None,
        record_collision: str | None = None,
        profile_capture: str | None = None,
    ) -> Call[RunSummary]:
        return Call(["run", scenario, *flags(
            det=det, seed=seed, timeout=timeout, reporter=reporter, mem_track=mem_track,
            mem_limit_mb=mem_limit_mb, mem_fail_after=mem_fail_after,
            mem_fragmentation_seed=mem_fragmentation_seed,
            mem_pressure_wave=mem_pressure_wave, fail_on_leak=fail_on_leak,
            leak_budget=leak_budget, mem_artifacts=mem_artifacts, worker_mem_mb=worker_mem_mb,
            record=record, record_collision=record_collision, profile_capture=profile_capture)])

    @command
    def test(
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
        profile_capture: str | None = None,
    ) -> Call[RunSummary]:
        return Call(["test", *patterns, *flags(
            det=det, seed=seed, jobs=jobs, timeout=timeout, filter=filter,
            reporter=reporter, record=record, record_collision=record_collision,
            fail_fast=fail_fast, skip_distributed=skip_distributed,
            worker_mem_mb=worker_mem_mb, mem_track=mem_track, mem_limit_mb=mem_limit_mb,
            mem_fail_after=mem_fail_after, mem_fragmentation_seed=mem_fragmentation_seed,
            mem_pressure_wave=mem_pressure_wave, fail_on_leak=fail_on_leak,
            leak_budget=leak_budget, dask=dask, profile_capture=profile_capture)])

    @command
    def fuzz(
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
        compare_feedback: bool | None = None,
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
        profile_cpu: bool = False,
    ) -> Call[RunSummary]:
        """`compare_feedback=False` passes `--no-compare-feedback`; `None` keeps the CLI's
        default (on)."""
        return Call(["fuzz", target, *flags(
            mode=mode, det=det, seed=seed, runs=runs, time=time, jobs=jobs,
            max_input=max_input, max_corpus=max_corpus, corpus=corpus, mutator=mutator,
            dict_=dict_, crash_only=crash_only), *toggle("compare_feedback", compare_feedback),
            *flags(minimize=minimize, record=record, record_collision=record_collision,
                   timeout=timeout, reporter=reporter, mem_track=mem_track,
                   mem_limit_mb=mem_limit_mb, mem_fail_after=mem_fail_after,
                   fail_on_leak=fail_on_leak, leak_budget=leak_budget, dask=dask,
                   profile_cpu=profile_cpu)])

    @command
    def explore(
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
    ) -> Call[RunSummary]:
        return Call(["explore", scenario, *flags(
            schedule=schedule, schedules=schedules, seed=seed, steps=steps, time=time,
            nodes=nodes, faults=csv(faults), checker=csv(checker), pct_depth=pct_depth,
            jobs=jobs, shrink=shrink, record=record, record_collision=record_collision,
            reporter=reporter, dask=dask)])

    @command
    def replay(
        trace: str,
        *,
        until: str | None = None,
        step: bool = False,
        dump_events: bool = False,
        reporter: str | None = None,
        trust_target: bool = False,
        profile_capture: str | None = None,
    ) -> Call[RunSummary]:
        return Call(["replay", trace, *flags(
            until=until, step=step, dump_events=dump_events, reporter=reporter,
            trust_target=trust_target, profile_capture=profile_capture)])

    @command
    def shrink(
        trace: str,
        *,
        out: str | None = None,
        budget: str | None = None,
        minimize: str | None = None,
        trust_target: bool = False,
        jobs: int | None = None,
        dask: str | None = None,
    ) -> Call[Document]:
        return Call(["shrink", trace, *flags(out=out, budget=budget, minimize=minimize,
                                             trust_target=trust_target, jobs=jobs, dask=dask)])

    # Checks
    @command
    def doctor(
        *,
        deep: bool = False,
        scenario: str | None = None,
        runs: int | None = None,
        seed: int | None = None,
        dask: str | None = None,
    ) -> Call[DoctorReport]:
        return Call(["doctor", *flags(deep=deep, scenario=scenario, runs=runs, seed=seed,
                                      dask=dask)])

    @command
    def ci(
        trace_or_run: str,
        *,
        flake_run: Sequence[str] | None = None,
        flake_budget: float | None = None,
        perf_baseline: str | None = None,
        max_p99_delta_pct: float | None = None,
        trust_target: bool = False,
    ) -> Call[CiReport]:
        return Call(["ci", trace_or_run, *flags(
            flake_run=flake_run, flake_budget=flake_budget, perf_baseline=perf_baseline,
            max_p99_delta_pct=max_p99_delta_pct, trust_target=trust_target)])

    @command
    def trace_verify(path: str) -> Call[TraceVerify]:
        return Call(["trace", "verify", path])
