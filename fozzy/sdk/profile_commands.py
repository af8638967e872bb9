"""Typed methods for `profile …`: where a recorded run's time and memory went
(docs/profiling.md). The domain switches (`cpu`, `heap`, `latency`, `io`, `sched`) select
what a report covers; none selects every domain. A method given `out=` writes the file and
returns the command's summary of what it wrote (`out`, `bytes`)."""

from __future__ import annotations

from fozzy.documents_analysis import (
    ProfileDiff,
    ProfileDoctor,
    ProfileEnv,
    ProfileExplain,
    ProfileFile,
    ProfileFlame,
    ProfileShrink,
    ProfileTimeline,
    ProfileTop,
)
from fozzy.sdk.command import Call, command, flags


class ProfileCommands:
    @command
    def profile_top(
        run_or_trace: str,
        *,
        cpu: bool = False,
        heap: bool = False,
        latency: bool = False,
        io: bool = False,
        sched: bool = False,
        limit: int | None = None,
    ) -> Call[ProfileTop]:
        return Call(["profile", "top", run_or_trace, *flags(
            cpu=cpu, heap=heap, latency=latency, io=io, sched=sched, limit=limit)])

    @command
    def profile_flame(
        run_or_trace: str,
        *,
        cpu: bool = False,
        heap: bool = False,
        latency: bool = False,
        format: str | None = None,
        out: str | None = None,
    ) -> Call[ProfileFlame]:
        """One domain's flame data (`format`: folded, svg, speedscope); with `out` the file
        is written and the result says where (`out`, `bytes`) instead of holding it."""
        return Call(["profile", "flame", run_or_trace, *flags(
            cpu=cpu, heap=heap, latency=latency, format=format, out=out)])

    @command
    def profile_timeline(
        run_or_trace: str, *, format: str | None = None, out: str | None = None
    ) -> Call[ProfileTimeline]:
        return Call(["profile", "timeline", run_or_trace, *flags(format=format, out=out)])

    @command
    def profile_diff(
        left: str,
        right: str,
        *,
        cpu: bool = False,
        heap: bool = False,
        latency: bool = False,
        io: bool = False,
        sched: bool = False,
    ) -> Call[ProfileDiff]:
        """Each side may be a comma group of runs (repeated samples of one variant)."""
        return Call(["profile", "diff", left, right, *flags(
            cpu=cpu, heap=heap, latency=latency, io=io, sched=sched)])

    @command
    def profile_explain(run_or_trace: str, *, diff_with: str | None = None
                        ) -> Call[ProfileExplain]:
        return Call(["profile", "explain", run_or_trace, *flags(diff_with=diff_with)])

    @command
    def profile_export(
        run_or_trace: str,
        *,
        format: str,
        out: str,
        cpu: bool = False,
        heap: bool = False,
        latency: bool = False,
    ) -> Call[ProfileFile]:
        """`format`: speedscope, pprof, otlp, folded, svg or html."""
        return Call(["profile", "export", run_or_trace, *flags(
            format=format, out=out, cpu=cpu, heap=heap, latency=latency)])

    @command
    def profile_shrink(
        trace: str,
        *,
        metric: str,
        above: float | None = None,
        below: float | None = None,
        out: str | None = None,
        budget: str | None = None,
        jobs: int | None = None,
    ) -> Call[ProfileShrink]:
        return Call(["profile", "shrink", trace, *flags(
            metric=metric, above=above, below=below, out=out, budget=budget, jobs=jobs)])

    @command
    def profile_env() -> Call[ProfileEnv]:
        return Call(["profile", "env"])

    @command
    def profile_doctor(run_or_trace: str) -> Call[ProfileDoctor]:
        return Call(["profile", "doctor", run_or_trace])
