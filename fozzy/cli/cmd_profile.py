"""`profile top|flame|timeline|diff|explain|export|env|doctor`: where a run's time and memory
went, in the formats profilers read (docs/profiling.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from fozzy.cli.context import G
from fozzy.cli.output import emit

if TYPE_CHECKING:
    from fozzy.analysis.profile.bundle import Bundle
    from fozzy.artifacts.selectors import Selection

Selector = Annotated[str, typer.Argument(metavar="RUN_OR_TRACE")]
Out = Annotated[str | None, typer.Option("--out", metavar="PATH", help="Write it to PATH.")]
Cpu = Annotated[bool, typer.Option("--cpu", help="CPU: measured per step and host process.")]
Heap = Annotated[bool, typer.Option("--heap", help="Heap: memory-model allocations (bytes).")]
Latency = Annotated[bool, typer.Option("--latency", help="Latency: virtual-time spans.")]
Io = Annotated[bool, typer.Option("--io", help="io and net events.")]
Sched = Annotated[bool, typer.Option("--sched", help="Scheduler events.")]
Format = Annotated[str | None, typer.Option("--format", metavar="FORMAT")]

FLAME_FORMATS = ("folded", "svg", "speedscope")
EXPORT_FORMATS = ("speedscope", "pprof", "otlp", "folded", "svg", "html")


def _bundles(selectors: str) -> list[Bundle]:
    """A selector, or a comma group of them (repeated samples of one variant)."""
    from fozzy.analysis.profile.bundle import load
    from fozzy.artifacts.selectors import resolve
    from fozzy.errors import ArgumentError

    parts = [p.strip() for p in selectors.split(",")]
    if any(not p for p in parts):
        raise ArgumentError(f"empty selector in group {selectors!r}")
    return [load(resolve(p, G.config.base_dir)) for p in parts]


def _selection(selector: str) -> Selection:
    from fozzy.artifacts.selectors import resolve

    return resolve(selector, G.config.base_dir)


def _one(selector: str) -> Bundle:
    from fozzy.errors import ArgumentError

    group = _bundles(selector)
    if len(group) != 1:
        raise ArgumentError("this command takes one run or trace, not a comma group")
    return group[0]


def _choice(value: str | None, allowed: tuple[str, ...], default: str, flag: str) -> str:
    from fozzy.errors import ArgumentError

    chosen = default if value is None else value
    if chosen not in allowed:
        raise ArgumentError(f"{flag} must be one of {', '.join(allowed)}, got {chosen!r}")
    return chosen


def _flame_domain(cpu: bool, heap: bool, latency: bool) -> str | None:
    from fozzy.errors import ArgumentError

    chosen = [d for d, on in (("cpu", cpu), ("heap", heap), ("latency", latency)) if on]
    if len(chosen) > 1:
        raise ArgumentError(f"pick one domain, got {' and '.join('--' + d for d in chosen)}")
    return chosen[0] if chosen else None


def _write(out: str, data: bytes) -> str:
    from fozzy.artifacts.atomic import atomic_write_bytes
    from fozzy.artifacts.rundir import normalize
    from fozzy.errors import IoError

    target = normalize(out)
    if target.is_dir():
        raise IoError(f"--out {target} is a directory")
    try:
        atomic_write_bytes(target, data)
    except OSError as e:
        raise IoError(f"failed to write {target}: {e.strerror or e}") from None
    return str(target)


def _render(b: Bundle, fmt: str, domain: str) -> bytes:
    import orjson

    from fozzy.analysis.profile import flame, html, otlp, pprof

    if fmt == "pprof":
        return pprof.export(b, domain)
    if fmt == "otlp":
        return orjson.dumps(otlp.export(b))
    if fmt == "html":
        return html.render(b).encode()
    if fmt == "speedscope":
        return orjson.dumps(flame.speedscope(b, domain))
    if fmt == "svg":
        return flame.svg(b, domain).encode()
    return flame.folded(flame.require(b, domain), domain).encode()


def register(app: typer.Typer) -> None:
    prof = typer.Typer(
        name="profile", no_args_is_help=True, rich_markup_mode=None,
        help="Profiles of recorded runs: top, flame, timeline, diff, explain, export, env,"
             " doctor.",
    )

    @prof.command("top", help="The biggest costs of a run per domain (no flag = all).")
    def top(selector: Selector, cpu: Cpu = False, heap: Heap = False, latency: Latency = False,
            io: Io = False, sched: Sched = False,
            limit: Annotated[int, typer.Option("--limit", metavar="N")] = 10) -> int:
        from fozzy.analysis.profile import report

        flags = {"cpu": cpu, "heap": heap, "latency": latency, "io": io, "sched": sched}
        chosen = report.wanted_domains(flags)
        emit(report.top(_one(selector), chosen, any(flags.values()), limit))
        return 0

    @prof.command("flame", help="Flame data of one domain: folded, svg or speedscope.")
    def flame_cmd(selector: Selector, cpu: Cpu = False, heap: Heap = False,
                  latency: Latency = False, fmt: Format = None, out: Out = None) -> int:
        import orjson

        from fozzy.cli.output import print_json

        b = _one(selector)
        fmt_ = _choice(fmt, FLAME_FORMATS, "folded", "--format")
        domain = _flame_domain(cpu, heap, latency) or "cpu"
        data = _render(b, fmt_, domain)
        if out is not None:
            emit({"schemaVersion": "fozzy.profile_flame.v1", "run": b.label, "domain": domain,
                  "format": fmt_, "out": _write(out, data), "bytes": len(data)})
        elif G.json:
            content = orjson.loads(data) if fmt_ == "speedscope" else data.decode()
            print_json({"schemaVersion": "fozzy.profile_flame.v1", "run": b.label,
                        "domain": domain, "format": fmt_, "content": content})
        else:
            typer.echo(data.decode(), nl=False)
        return 0

    @prof.command("timeline", help="Events and spans on the virtual clock, json or html.")
    def timeline(selector: Selector, fmt: Format = None, out: Out = None) -> int:
        import orjson

        from fozzy.analysis.profile import html, report

        b = _one(selector)
        fmt_ = _choice(fmt, ("json", "html"), "json", "--format")
        doc = report.timeline(b)
        if out is not None:
            data = html.render(b).encode() if fmt_ == "html" else orjson.dumps(doc)
            emit({"schemaVersion": doc["schemaVersion"], "run": b.label, "format": fmt_,
                  "out": _write(out, data), "bytes": len(data)})
        elif fmt_ == "html":
            emit({**{k: v for k, v in doc.items() if k != "events"}, "format": "html",
                  "content": html.render(b)})
        else:
            emit({**doc, "format": "json"})
        return 0

    @prof.command("diff", help="Metric shifts right − left; each side may be a comma group.")
    def diff_cmd(left: Annotated[str, typer.Argument(metavar="LEFT")],
                 right: Annotated[str, typer.Argument(metavar="RIGHT")],
                 cpu: Cpu = False, heap: Heap = False, latency: Latency = False,
                 io: Io = False, sched: Sched = False) -> int:
        from fozzy.analysis.profile import diff, report

        flags = {"cpu": cpu, "heap": heap, "latency": latency, "io": io, "sched": sched}
        chosen = report.wanted_domains(flags)
        lb, rb = _bundles(left), _bundles(right)
        if any(flags.values()):
            for b in (*lb, *rb):
                report.require_domains(b, chosen, True)
        emit(diff.diff(lb, rb, chosen))
        return 0

    @prof.command("explain", help="Where the cost went, or what shifted (--diff-with).")
    def explain_cmd(selector: Selector, diff_with: Annotated[
            str | None, typer.Option("--diff-with", metavar="BASELINE")] = None) -> int:
        from fozzy.analysis.profile import explain

        if diff_with is None:
            emit(explain.single(_one(selector)))
        else:
            emit(explain.against(_bundles(diff_with), _bundles(selector)))
        return 0

    @prof.command("export", help="Write a profile file: " + ", ".join(EXPORT_FORMATS) + ".")
    def export(selector: Selector,
               fmt: Annotated[str, typer.Option("--format", metavar="FORMAT")],
               out: Annotated[str, typer.Option("--out", metavar="PATH")],
               cpu: Cpu = False, heap: Heap = False, latency: Latency = False) -> int:
        from fozzy.errors import ArgumentError

        b = _one(selector)
        fmt_ = _choice(fmt, EXPORT_FORMATS, "", "--format")
        domain = _flame_domain(cpu, heap, latency)
        if fmt_ in ("otlp", "html") and domain is not None:
            raise ArgumentError(f"--format {fmt_} exports the span timeline; it takes no"
                                " domain flag")
        domain = domain or ("latency" if fmt_ in ("otlp", "html") else "cpu")
        data = _render(b, fmt_, domain)
        emit({"schemaVersion": "fozzy.profile_export.v1", "run": b.label, "format": fmt_,
              "domain": domain, "out": _write(out, data), "bytes": len(data)})
        return 0

    @prof.command("shrink", help="Smallest scenario whose metric stays above/below a value.")
    def shrink(
        selector: Selector,
        metric: Annotated[str, typer.Option("--metric", metavar="METRIC")],
        above: Annotated[float | None, typer.Option("--above", metavar="VALUE")] = None,
        below: Annotated[float | None, typer.Option("--below", metavar="VALUE")] = None,
        out: Out = None,
        budget: Annotated[str, typer.Option("--budget", metavar="DUR")] = "60s",
        jobs: Annotated[int, typer.Option("--jobs", "-j", metavar="N")] = 1,
    ) -> int:
        from fozzy.analysis.profile.shrink import ShrinkRequest, run_shrink
        from fozzy.artifacts.rundir import normalize
        from fozzy.cli import flag_values as v
        from fozzy.errors import ArgumentError

        sel = _selection(selector)
        if sel.trace_path is None or sel.trace() is None:
            raise ArgumentError(f"profile shrink needs a trace; {selector!r} has none")
        if jobs < 1:
            raise ArgumentError(f"--jobs must be at least 1, got {jobs}")
        stem = sel.trace_path.name.removesuffix(".fozzy")
        target = normalize(out or sel.trace_path.with_name(f"{stem}.profile-min.fozzy.json"))
        if target.is_dir():
            raise ArgumentError(f"--out {target} is a directory")
        budget_ms = v.parse_duration_flag(budget, "--budget")
        doc = sel.trace()
        assert doc is not None
        emit(run_shrink(ShrinkRequest(
            trace_path=sel.trace_path, doc=doc, metric=metric, above=above, below=below,
            out=target, budget_s=(budget_ms or 0) / 1000.0, jobs=jobs,
            limits=v.host_limits(G.config))))
        return 0

    @prof.command("env", help="What each domain measures here, and what is deterministic.")
    def env() -> int:
        from fozzy.analysis.profile import report

        emit(report.env())
        return 0

    @prof.command("doctor", help="Check that every profile command works on a run.")
    def doctor(selector: Selector) -> int:
        from fozzy.analysis.profile.doctor import doctor as run_doctor

        emit(run_doctor(_one(selector)))
        return 0

    app.add_typer(prof)
