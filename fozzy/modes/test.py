"""`fozzy test`: a whole suite on the worker pool.

Everything is decided before the first scenario runs: discovery, loading and validating every
selected file, the per-scenario seeds (from the suite seed and each path, never from a worker
or a position), and every `--record` target. Loading and validation are the pool's first phase
(the `"load"` op, in parallel, batches of paths out and normalized documents back as JSON
text); only when every file passed does the second phase run anything, and the documents go
back to the workers as the same bytes, never decoded on the coordinator. Results stream back
in completion order and are folded as they arrive; the report lists scenarios in input order,
so it is the same for any `--jobs`. Nothing a scenario does can stop the suite: a hang becomes
`timeout`, a dead worker `crash`, and the rest carries on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from fozzy.analysis.profile.budgets import HeapBudgets
from fozzy.artifacts.invocation import Invocation
from fozzy.artifacts.reproduce import RunFlags, run_command, suite_command
from fozzy.artifacts.summary import collapse_findings, memory_summary
from fozzy.errors import FozzyError, ScenarioError, worst
from fozzy.executor.finalize import ArtifactOptions, Execution, Finalized, finalize
from fozzy.executor.pool import PREFETCH_MAX_BYTES, PoolError
from fozzy.executor.seam import Executor, make_executor
from fozzy.modes.suite_measurements import suite_measurements
from fozzy.modes.suite_traces import release_unwritten, reserve_records, write_scenario_trace
from fozzy.scenario.discover import Selected, discover, scenario_seeds
from fozzy.scenario.validate import error_for
from workers.scenario_core import ScenarioProblem

FAILED = ("fail", "timeout", "crash", "error")
SPEC_OVERHEAD_BYTES = 300  # a run spec's bytes besides its scenario (paths, seed, options)


@dataclass
class TestRequest:
    __test__ = False  # not a pytest test class, though test modules import it

    patterns: list[str]
    seed: int
    det: bool = False
    timeout_ms: int | None = None
    reporter: str = "pretty"
    memory: dict[str, Any] = field(default_factory=dict)
    backends: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    base_dir: str = ".fozzy"
    jobs: int = 1
    dask: str | None = None
    filter: str | None = None
    fail_fast: bool = False
    skip_distributed: bool = False
    record: str | None = None
    record_collision: str = "append"
    worker_mem_mb: int | None = None
    full_capture: bool = False  # --profile-capture full: every scenario untrimmed and measured
    heap_budgets: HeapBudgets = field(default_factory=HeapBudgets)
    invocation: Invocation = field(default_factory=Invocation)

    @property
    def untrimmed(self) -> bool:
        """Whether every scenario's worker keeps its events and measures it: full capture
        wants the measurements, a heap budget reads the allocation events."""
        return self.full_capture or self.heap_budgets.active


@dataclass
class Entry:
    """One selected scenario and, once it ran, its outcome (the report's `scenarios` row)."""

    selected: Selected
    name: str
    doc: str | None  # the normalized document as JSON text (runnable entries only)
    seed: int
    skip_reason: str | None = None
    record_to: Path | None = None
    row: dict[str, Any] | None = None
    measurements: dict[str, Any] | None = None

    @property
    def runnable(self) -> bool:
        return self.skip_reason is None


@dataclass
class Progress:
    """What the display is told as the suite runs: the count once known, then each result."""

    on_start: Callable[[int], None] = lambda total: None
    on_result: Callable[[Entry], None] = lambda entry: None


def load_batch_size(count: int, jobs: int) -> int:
    """Paths per `load` job: few round trips, but enough jobs to keep every worker busy."""
    return max(1, min(128, count // (jobs * 4)))


def load_all(selected: list[Selected], pool: Executor) -> list[dict[str, Any]]:
    """Phase one: every selected file read, classified and validated on the pool; one answer
    per file, in input order (see `workers.scenario_core.load_batch`)."""
    from workers.input_limits import as_dict

    size = load_batch_size(len(selected), pool.jobs)
    limits = as_dict()
    jobs = [{"paths": [s.path for s in selected[i : i + size]], "limits": limits}
            for i in range(0, len(selected), size)]
    answers: list[list[dict[str, Any]]] = [[] for _ in jobs]
    for index, result in pool.run(jobs, op="load", deadline_ms=lambda item: None, depth=2):
        if "scenarios" not in result:
            messages = "; ".join(f["message"] for f in result.get("findings", []))
            raise FozzyError(f"could not load the selected scenarios: {messages}")
        answers[index] = result["scenarios"]
    return [row for batch in answers for row in batch]


def select(req: TestRequest, pool: Executor) -> list[Entry]:
    """Discover, load, classify, filter and validate; any bad file aborts before running."""
    selected = discover(req.patterns)
    loaded = load_all(selected, pool)
    for row in loaded:
        if "problem" in row:
            raise error_for(ScenarioProblem.from_dict(row["problem"]))
    seeds = scenario_seeds(req.seed, [s.key for s in selected])
    entries: list[Entry] = []
    distributed: list[str] = []
    for sel, row, seed in zip(selected, loaded, seeds, strict=True):
        name: str = row["name"]
        if req.filter is not None and req.filter not in sel.path and req.filter not in name:
            entries.append(Entry(sel, name, None, seed,
                                 skip_reason=f"filtered out by {req.filter!r}"))
            continue
        if row["variant"] == "distributed":
            if not req.skip_distributed:
                distributed.append(sel.path)
                continue
            entries.append(Entry(sel, name, None, seed,
                                 skip_reason="distributed: use fozzy explore"))
            continue
        if row["gate"] is not None:
            raise error_for(ScenarioProblem.from_dict(row["gate"]))
        entries.append(Entry(sel, name, row["doc"], seed))
    if distributed:
        raise ScenarioError(
            "fozzy test discovered distributed scenario(s) that must be run with"
            f" `fozzy explore`: {', '.join(distributed)} (or pass --skip-distributed)"
        )
    if not any(e.runnable for e in entries):
        raise FozzyError(
            f"no scenario would be executed: all {len(entries)} selected scenario(s) were"
            " filtered out or skipped"
        )
    return entries


def _spec(base: dict[str, Any], entry: Entry) -> dict[str, Any]:
    """The run spec of one scenario. A `base` with `"trim": False` keeps every scenario
    untrimmed; otherwise only the recorded ones are (their traces need the events)."""
    assert entry.doc is not None
    return {
        **base,
        "scenario": orjson.Fragment(entry.doc),
        "scenario_path": entry.selected.path,
        "seed": entry.seed,
        "trim": bool(base.get("trim", True)) and entry.record_to is None,
    }


def _row(req: TestRequest, entry: Entry, result: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "path": entry.selected.path,
        "name": entry.name,
        "seed": entry.seed,
        "status": result["status"],
        "durationMs": -(-int(result.get("wallNs", 0)) // 1_000_000),
        "virtualMs": int(result.get("virtualMs", 0)),
        "findings": result["findings"],
    }
    if entry.record_to is not None:
        row["tracePath"] = str(entry.record_to)
    if result["status"] != "pass":
        row["reproduce"] = row_reproduce(req, entry)
    return row


def _flags(req: TestRequest) -> RunFlags:
    return RunFlags(req.det, req.timeout_ms, req.memory, req.backends, req.worker_mem_mb)


def row_reproduce(req: TestRequest, entry: Entry) -> str:
    """`fozzy run` of the row's scenario with its own seed: it needs no trace, so a row whose
    worker crashed (its trace ends at the crash and cannot be replayed) reproduces too."""
    return run_command(req.invocation, entry.selected.path, entry.seed, _flags(req))


def suite_reproduce(req: TestRequest) -> str:
    return suite_command(req.invocation, req.patterns, req.seed, _flags(req), jobs=req.jobs,
                         filter_text=req.filter, fail_fast=req.fail_fast,
                         skip_distributed=req.skip_distributed)


def _memory_of(result: dict[str, Any]) -> dict[str, Any] | None:
    return memory_summary(result.get("memory"))


def _aggregate_memory(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    mems = [r["_memory"] for r in rows if r.get("_memory")]
    if not mems:
        return None
    out = {k: sum(int(m[k]) for m in mems) for k in mems[0]}
    out["peakBytes"] = max(int(m["peakBytes"]) for m in mems)
    return out


def _suite_findings(entries: list[Entry]) -> list[dict[str, Any]]:
    """Scenario findings, each located in its scenario file, collapsed across the suite."""
    out: list[dict[str, Any]] = []
    for e in entries:
        if e.row is None:
            continue
        for f in e.row["findings"]:
            loc = dict(f.get("location") or {})
            loc.setdefault("file", e.selected.path)
            out.append({**f, "location": loc})
    return collapse_findings(out)


def batch_size_for(count: int, jobs: int, item_bytes: int = 0) -> int:
    """Small scenarios travel in batches (one pipe round trip for many), but each worker
    still gets several batches so the load balances. A batch also stays under half the pool's
    prefetch limit, so the next one can wait in the worker's pipe; big scenarios (the long
    ones, as a rule) go a few or one at a time, so the workers finish together instead of one
    of them running a last batch of long scenarios alone."""
    by_count = max(1, min(64, count // (jobs * 8)))
    if item_bytes <= 0:
        return by_count
    return max(1, min(by_count, PREFETCH_MAX_BYTES // 2 // item_bytes))


def execute_test(req: TestRequest, progress: Progress | None = None) -> tuple[Finalized, bool]:
    """Run the suite; returns the finalized run and whether it was interrupted."""
    with make_executor(
        1 if req.fail_fast else max(1, req.jobs), dask=req.dask, mem_limit_mb=req.worker_mem_mb
    ) as pool:
        entries = select(req, pool)
        reserve_records(req, entries)
        return _execute(req, entries, pool, progress)


def _execute(
    req: TestRequest, entries: list[Entry], pool: Executor, progress: Progress | None
) -> tuple[Finalized, bool]:
    runnable = [e for e in entries if e.runnable]
    base = {"det": req.det, "timeout_ms": req.timeout_ms, "backends": req.backends,
            "memory": req.memory, "limits": req.limits, "cwd": os.getcwd(), "replay": None}
    if req.untrimmed:
        base["trim"] = False
    specs = [_spec(base, e) for e in runnable]
    jobs = min(pool.jobs, len(specs))
    item_bytes = SPEC_OVERHEAD_BYTES + sum(len(e.doc or "") for e in runnable) // len(runnable)
    if progress is not None:
        progress.on_start(len(specs))
    started_ns = time.time_ns()
    t0 = time.perf_counter_ns()
    interrupted = False
    aborted: str | None = None
    try:
        for index, result in pool.run(
            specs,
            batch_size=1 if req.fail_fast else batch_size_for(len(specs), jobs, item_bytes),
            depth=1 if req.fail_fast else 2,
        ):
            entry = runnable[index]
            if result["status"] == "error":
                raise ScenarioError(
                    f"{entry.selected.path}: {result.get('error') or 'worker error'}"
                )
            result["findings"] = [*result["findings"], *req.heap_budgets.check(result)]
            entry.measurements = result.get("measurements")
            entry.row = _row(req, entry, result)
            entry.row["_memory"] = None if result.get("memory") is None else _memory_of(result)
            if entry.record_to is not None:
                write_scenario_trace(entry, result, started_ns, req.backends)
            if progress is not None:
                progress.on_result(entry)
            if req.fail_fast and result["status"] != "pass":
                break
    except KeyboardInterrupt:
        interrupted = True
    except PoolError as e:
        aborted = e.message
    finally:
        release_unwritten(runnable)
    wall_ns = time.perf_counter_ns() - t0
    return _finish(req, entries, started_ns, wall_ns, interrupted, aborted), interrupted


def _finish(
    req: TestRequest,
    entries: list[Entry],
    started_ns: int,
    wall_ns: int,
    interrupted: bool,
    aborted: str | None,
) -> Finalized:
    rows: list[dict[str, Any]] = []
    for e in entries:
        if e.row is None:
            reason = e.skip_reason or ("interrupted" if interrupted else "not reached")
            if aborted is not None and e.skip_reason is None:
                reason = f"not run: {aborted}"
            rows.append({"path": e.selected.path, "name": e.name, "seed": e.seed,
                         "status": "skipped", "reason": reason, "findings": []})
        else:
            rows.append(e.row)
    executed = [r for r in rows if r["status"] != "skipped"]
    status = worst(list({r["status"] for r in executed})) if executed else "pass"
    if aborted is not None:
        status = worst([status, "crash"])
    memory = _aggregate_memory(rows)
    for r in rows:
        r.pop("_memory", None)
    findings = _suite_findings(entries)
    if aborted is not None:
        findings.append({"kind": "checker", "title": "worker_restart_budget", "message": aborted})
    if interrupted:
        not_run = sum(r["status"] == "skipped" and r["reason"] == "interrupted" for r in rows)
        findings.append({"kind": "hang", "title": "interrupted",
                         "message": f"suite interrupted; {not_run} scenario(s) not run"})
        status = worst([status, "fail"])
    execution = Execution(
        mode="test",
        seed=req.seed,
        status=status,
        started_ns=started_ns,
        wall_ns=wall_ns,
        findings=findings,
        tests={
            "passed": sum(r["status"] == "pass" for r in rows),
            "failed": sum(r["status"] in FAILED for r in rows),
            "skipped": sum(r["status"] == "skipped" for r in rows),
        },
        scenarios=rows,
        measurements=suite_measurements(entries),
        memory_report={"summary": memory} if memory is not None else None,
        # An interrupted suite's status came from the signal, which no command repeats.
        reproduce=None if status == "pass" or interrupted else suite_reproduce(req),
    )
    options = ArtifactOptions(reporter=req.reporter, single_run=False)
    return finalize(execution, req.base_dir, options)
