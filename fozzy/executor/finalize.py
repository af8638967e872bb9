"""The one writer of run artifacts (ARCHITECTURE rule 5).

Modes hand over what the pool produced; `finalize` resolves every final path first (run
directory, trace target), builds the summary with those paths, and only then writes: the
trace (through a pluggable writer), heavy artifacts, memory sidecars, the reporter file,
`report.json`, `manifest.json`, and last the alias index. Every file is written atomically,
so a reader sees a run directory's files either complete or not at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from fozzy.artifacts import aliases, rundir
from fozzy.artifacts.atomic import atomic_write_text
from fozzy.artifacts.listing import file_records
from fozzy.artifacts.summary import build_manifest, build_summary, memory_summary
from fozzy.errors import IoError


class TraceWriter(Protocol):
    """Where the trace engineer's writer plugs in.

    `requested` is true for an explicit capture (`--record`), which also makes the run
    heavy. `target` resolves the final trace path (collision policy applied) before anything
    is written, or returns None when this run writes no trace; `write` then writes the trace
    whose embedded summary is exactly `summary`.
    """

    @property
    def requested(self) -> bool: ...

    def target(self, run_dir: Path, status: str) -> Path | None: ...

    def write(self, path: Path, summary: dict[str, Any], execution: Execution) -> None: ...


@dataclass
class Execution:
    """What one invocation executed, as the coordinator saw it."""

    mode: str
    seed: int
    status: str
    started_ns: int  # wall clock (epoch ns) when execution began
    wall_ns: int  # elapsed wall time
    findings: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    memory_report: dict[str, Any] | None = None
    # Wall/CPU/RSS per step (workers.engine.measure): recorded, never compared.
    measurements: dict[str, Any] | None = None
    virtual_ms: int | None = None
    tests: dict[str, int] | None = None
    scenarios: list[dict[str, Any]] | None = None
    # For trace writers: the scenario as run and the path it came from.
    scenario: dict[str, Any] | None = None
    scenario_path: str | None = None
    # The command that reproduces a non-pass status (fozzy.artifacts.reproduce).
    reproduce: str | None = None
    # A mode's own summary block, e.g. {"fuzz": {...}}.
    extra: dict[str, Any] | None = None


@dataclass
class ArtifactOptions:
    reporter: str = "pretty"
    mem_artifacts: bool = False
    explicit_capture: bool = False  # e.g. replay --dump-events; --record comes via the writer
    update_aliases: bool = True  # verification replays stay out of `latest`
    single_run: bool = True  # test aggregates have no event stream of their own


@dataclass
class Finalized:
    summary: dict[str, Any]
    run_dir: Path
    written: list[Path]


def finalize(
    execution: Execution,
    base_dir: str | os.PathLike[str],
    options: ArtifactOptions,
    *,
    run_id: str | None = None,
    trace: TraceWriter | None = None,
    trace_read: Path | None = None,
) -> Finalized:
    """Write the run directory for `execution` and return the summary that describes it.

    `trace_read` is the trace a replay ran from: its path goes into the summary, and nothing
    is written to it."""
    rd = rundir.run_dir(base_dir, run_id or rundir.new_run_id())
    trace_path = trace.target(rd.path, execution.status) if trace is not None else trace_read
    summary = build_summary(
        status=execution.status,
        mode=execution.mode,
        run_id=rd.run_id,
        seed=execution.seed,
        started_ns=execution.started_ns,
        wall_ns=execution.wall_ns,
        trace_path=None if trace_path is None else str(rundir.normalize(trace_path)),
        report_path=str(rd.report),
        artifacts_dir=str(rd.path),
        virtual_ms=execution.virtual_ms,
        tests=execution.tests,
        scenarios=execution.scenarios,
        memory=memory_summary(execution.memory_report),
        findings=execution.findings,
        reproduce=execution.reproduce,
        extra=execution.extra,
    )
    written: list[Path] = []
    created = complete = False
    try:
        rd.path.mkdir(parents=True, exist_ok=False)
        created = True
        if trace is not None and trace_path is not None:
            trace.write(rundir.normalize(trace_path), summary, execution)
            written.append(rundir.normalize(trace_path))
        explicit = options.explicit_capture or (trace is not None and trace.requested)
        if options.single_run and rundir.heavy_wanted(execution.status, explicit):
            written += _write_heavy(rd, execution, options)
        if execution.measurements is not None:  # a suite's too (fozzy.modes.suite_measurements)
            rundir.write_json(rd.file(rundir.MEASUREMENTS), execution.measurements)
            written.append(rd.file(rundir.MEASUREMENTS))
        reporter_file = rundir.REPORTER_FILES.get(options.reporter)
        if reporter_file is not None:
            # Imported for the one reporter that needs it, not by every command's finish.
            if options.reporter == "junit":
                from fozzy.artifacts.junit import junit_xml

                text = junit_xml(summary)
            else:
                from fozzy.analysis.profile.report_block import execution_profile
                from fozzy.artifacts.render import report_html

                text = report_html(summary, events=execution.events or None,
                                   profile=execution_profile(execution.measurements))
            atomic_write_text(rd.file(reporter_file), text, durable=False)
            written.append(rd.file(reporter_file))
        rundir.write_json(rd.report, summary)
        written.append(rd.report)
        # The manifest lists every file with its digest: readers verify against it.
        manifest = {**build_manifest(summary), "files": file_records(written)}
        rundir.write_json(rd.manifest, manifest, pretty=True)
        written.append(rd.manifest)
        complete = True
        if options.update_aliases:
            aliases.record_run(
                rd.base,
                {
                    "runId": rd.run_id,
                    "status": summary["status"],
                    "finishedAt": summary["finishedAt"],
                    "artifactsDir": str(rd.path),
                },
            )
    except OSError as e:
        where = e.filename or rd.path
        raise IoError(f"failed to write run artifacts to {where}: {e.strerror or e}") from None
    finally:
        if created and not complete:
            _discard(rd.path)
    return Finalized(summary, rd.path, written)


def _discard(path: Path) -> None:
    """Remove a run directory whose writing failed before its manifest: a run dir without a
    manifest is not a run, and an empty or partial one would only mislead `artifacts ls`. The
    directory is this run's own (a fresh run id, created exclusively)."""
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _write_heavy(
    rd: rundir.RunDir, execution: Execution, options: ArtifactOptions
) -> list[Path]:
    rundir.write_json(rd.file(rundir.EVENTS), execution.events)
    rundir.write_json(rd.file(rundir.TIMELINE), rundir.timeline(execution.events))
    written = [rd.file(rundir.EVENTS), rd.file(rundir.TIMELINE)]
    report = execution.memory_report
    if report is not None and (options.mem_artifacts or report.get("options", {}).get(
        "artifacts"
    )):
        for name, key, empty in (
            (rundir.MEMORY_TIMELINE, "timeline", []),
            (rundir.MEMORY_LEAKS, "leaks", []),
            (rundir.MEMORY_GRAPH, "graph", {"nodes": [], "edges": []}),
        ):
            rundir.write_json(rd.file(name), report.get(key) or empty, pretty=True)
            written.append(rd.file(name))
    return written
