"""`fozzy explore`: search a distributed scenario's schedules on the worker pool.

The coordinator only plans: it loads and validates the scenario, builds the effective
cluster (node list, faults, checkers), cuts the search into job items and merges what the
workers report. Sampling strategies (random, pct, coverage_guided) run in rounds of
`ROUND` batches of at most `BATCH` schedules; batch i always has the same seed and a round
always sees the state hashes of the rounds before it, so the outcome does not depend on
`--jobs`, only the wall time does. fifo, bfs and dfs are one item each: fifo has a single
schedule and a systematic search shares its pruning table.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fozzy.artifacts.invocation import Invocation
from fozzy.artifacts.reproduce import Search, explore_command
from fozzy.errors import ArgumentError, FozzyError, ScenarioError
from fozzy.executor.finalize import ArtifactOptions, Execution, Finalized, finalize
from fozzy.executor.interrupted import interrupted_finding, interrupted_status
from fozzy.executor.seam import Executor, make_executor
from fozzy.scenario.load import Scenario, load_scenario
from fozzy.scenario.validate import validate_scenario
from workers.cluster.checkers import CheckerError, parse_checkers
from workers.cluster.explore import effective_cluster, resolve_nodes
from workers.cluster.faults import FaultError, parse_faults
from workers.cluster.model import ClusterError
from workers.cluster.schedule import DEFAULT_PCT_DEPTH, STRATEGIES, SYSTEMATIC
from workers.engine.findings import HANG, PANIC, finding

ROUND = 4
BATCH = 250
DEFAULT_SCHEDULES = 1000
SHRINK_MS = 15_000


@dataclass
class ExploreRequest:
    scenario_path: str
    seed: int
    schedule: str = "fifo"
    schedules: int | None = None
    steps: int | None = None
    time_ms: int | None = None
    nodes: int | None = None
    faults: str | None = None
    checker: str | None = None
    pct_depth: int | None = None
    jobs: int = 1
    dask: str | None = None
    shrink: bool = False
    reporter: str = "pretty"
    base_dir: str = ".fozzy"
    record: str | None = None
    record_collision: str = "append"
    invocation: Invocation = field(default_factory=Invocation)

    def reproduce(self, status: str) -> str:
        search = Search(self.schedule, self.seed, self.schedules, self.steps, self.nodes,
                        self.faults, self.checker, self.pct_depth, self.time_ms)
        return explore_command(self.invocation, self.scenario_path, search, status)


@dataclass
class Outcome:
    """What the search found, merged across items in batch order."""

    status: str = "pass"
    findings: list[dict[str, Any]] = field(default_factory=list)
    schedules: int = 0
    seen: set[int] = field(default_factory=set)
    exhausted: bool = False
    violation: dict[str, Any] | None = None  # the first violation in batch order
    interrupted: bool = False  # stopped by a signal: the report is what was searched so far


def load_explorable(path: str) -> Scenario:
    """The distributed scenario at `path`, validated exactly as `fozzy validate` does."""
    scn = load_scenario(path)
    if scn.variant == "steps":
        raise ScenarioError(
            f"scenario file {path} is a steps scenario; run it with `fozzy run` or"
            " `fozzy test`, or convert it to the `distributed` schema to explore it")
    if scn.variant == "suites":
        raise ScenarioError(
            f"scenario file {path} is a suites scenario; `fozzy explore` needs the"
            " `distributed` schema")
    validate_scenario(scn)
    return scn


def check_request(req: ExploreRequest) -> None:
    if req.schedule not in STRATEGIES:
        raise ArgumentError(f"--schedule must be one of {'|'.join(STRATEGIES)},"
                            f" got {req.schedule!r}")
    for flag, value, low in (("--schedules", req.schedules, 1), ("--steps", req.steps, 0),
                             ("--nodes", req.nodes, 1), ("--pct-depth", req.pct_depth, 1),
                             ("--jobs", req.jobs, 1)):
        if value is not None and value < low:
            raise ArgumentError(f"{flag} must be >= {low}, got {value}")
    if req.schedules is not None and req.schedule in ("fifo", *SYSTEMATIC):
        raise ArgumentError(f"--schedules applies to random, pct and coverage_guided;"
                            f" {req.schedule} decides its own schedules")
    if req.steps is not None and req.schedule == "fifo":
        raise ArgumentError("--steps bounds the choices a strategy makes before fifo completes"
                            " the schedule; with --schedule fifo it would change nothing")
    if req.pct_depth is not None and req.schedule != "pct":
        raise ArgumentError("--pct-depth applies only to --schedule pct")


def effective(req: ExploreRequest, scn: Scenario) -> dict[str, Any]:
    """The cluster the workers run and the trace embeds; flag problems are exit 2."""
    dist = scn.doc["distributed"]
    try:
        nodes = resolve_nodes(dist, req.nodes)
        faults = parse_faults(req.faults, nodes, Path.cwd()) if req.faults else []
        checkers = parse_checkers(req.checker) if req.checker is not None else None
        return effective_cluster(dist, nodes_override=req.nodes, faults=faults,
                                 checkers=checkers)
    except (FaultError, CheckerError) as e:
        raise ArgumentError(str(e)) from None
    except ClusterError as e:
        raise ScenarioError(f"{scn.path}: {e}") from None


def batch_seed(seed: int, index: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _deadline(item: dict[str, Any]) -> int | None:
    value = item.get("time_ms")
    return None if value is None else int(value)


def _failed_item(result: dict[str, Any]) -> dict[str, Any] | None:
    """A pool-synthesized result (the worker hung or died), or an engine error item."""
    if "error" in result:
        return finding(PANIC, "explore", f"worker error: {result['error']}")
    if "schedules" not in result:
        found: dict[str, Any] = result["findings"][0]
        return found
    return None


def _rounds(req: ExploreRequest, base: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """Job items, one round at a time, made only when the round is due."""
    if req.schedule in ("fifo", *SYSTEMATIC):
        yield [dict(base, seed=req.seed)]
        return
    total = req.schedules or DEFAULT_SCHEDULES
    for first in range(0, total, BATCH * ROUND):
        starts = range(first, min(total, first + BATCH * ROUND), BATCH)
        yield [dict(base, seed=batch_seed(req.seed, s // BATCH), schedules=min(BATCH, total - s))
               for s in starts]


def search(req: ExploreRequest, cluster: dict[str, Any], pool: Executor) -> Outcome:
    out = Outcome()
    try:
        _search(req, cluster, pool, out)
    except KeyboardInterrupt:
        out.interrupted = True
    return out


def _search(req: ExploreRequest, cluster: dict[str, Any], pool: Executor, out: Outcome
            ) -> None:
    started = time.monotonic()

    def remaining_ms() -> int | None:
        if req.time_ms is None:
            return None
        return max(0, req.time_ms - int((time.monotonic() - started) * 1000))

    base: dict[str, Any] = {"cluster": cluster, "strategy": req.schedule,
                            "steps": req.steps, "pct_depth": req.pct_depth or DEFAULT_PCT_DEPTH}
    planned_all = True
    for items in _rounds(req, base):
        left = remaining_ms()
        if left == 0:
            planned_all = False
            break
        for item in items:
            item["time_ms"] = left
            if req.schedule == "coverage_guided":
                item["seen"] = sorted(out.seen)
        results = dict(pool.run(items, op="explore", deadline_ms=_deadline))
        for i in range(len(items)):
            res = results[i]
            failed = _failed_item(res)
            if failed is not None:
                out.status = "timeout" if failed["kind"] == HANG else "crash"
                out.findings = [failed]
                return
            out.schedules += res["schedules"]
            out.seen.update(res["newStates"])
            if res["violations"]:
                out.violation = res["violations"][0]
                out.status = "fail"
                out.findings = [out.violation["finding"]]
                return
            if res["timedOut"]:
                planned_all = False
            out.exhausted = bool(res["exhausted"])
        if not planned_all:
            break
    if not planned_all:
        out.status = "timeout"
        out.findings = [finding(HANG, "timeout", f"explore timed out after {out.schedules}"
                                                 " schedules")]


class ExploreTrace:
    """The TraceWriter for explore: a non-pass run always records (to `--record` or the
    run directory's trace.fozzy); a passing one only with `--record`."""

    def __init__(
        self, req: ExploreRequest, explore: dict[str, Any], record: Path | None
    ) -> None:
        self.req = req
        self.explore = explore
        self._in_run_dir: Path | None = None
        self._record = record  # reserved before the search, so a collision fails early

    @property
    def requested(self) -> bool:
        return self.req.record is not None

    def target(self, run_dir: Path, status: str) -> Path | None:

        if self._record is not None:
            return self._record
        if status == "pass":
            return None
        # Inside the fresh run directory, which finalize creates: reserved at write time.
        self._in_run_dir = run_dir / "trace.fozzy"
        return self._in_run_dir

    def write(self, path: Path, summary: dict[str, Any], execution: Execution) -> None:
        from fozzy.trace.model import build_trace
        from fozzy.trace.writer import resolve_target, write_trace

        if path == self._in_run_dir:
            path = resolve_target(path, "error")

        doc = build_trace(mode="explore", scenario_path=execution.scenario_path,
                          scenario=None, decisions=execution.decisions,
                          events=execution.events, summary=summary, explore=self.explore)
        write_trace(path, doc)


def execute_explore(req: ExploreRequest) -> tuple[Finalized, dict[str, Any]]:
    """Run the search and finalize; returns the run and the explore report for display."""
    from fozzy.trace.writer import release_target, resolve_target

    check_request(req)
    scn = load_explorable(req.scenario_path)
    cluster = effective(req, scn)
    record = None if req.record is None else resolve_target(req.record, req.record_collision)
    try:
        return _explore_and_finalize(req, scn, cluster, record)
    except BaseException:
        if record is not None:
            release_target(record)
        raise


def _explore_and_finalize(
    req: ExploreRequest, scn: Scenario, cluster: dict[str, Any], record: Path | None
) -> tuple[Finalized, dict[str, Any]]:
    started_ns = time.time_ns()
    t0 = time.perf_counter_ns()
    with make_executor(req.jobs, dask=req.dask) as pool:
        out = search(req, cluster, pool)
        schedule = None if out.interrupted else _replay_schedule(req, cluster, pool, out)
    wall_ns = time.perf_counter_ns() - t0
    if out.interrupted:
        out.status = interrupted_status(out.status)
        out.findings.append(interrupted_finding(
            f"explore interrupted after {out.schedules} schedules; no trace recorded"))
        if record is not None:
            from fozzy.trace.writer import release_target

            release_target(record)
    if schedule is not None and out.violation is not None and schedule["finding"] is not None:
        out.findings = [schedule["finding"]]
    report = {
        "schedule": req.schedule,
        "schedules": out.schedules,
        "distinctStates": len(out.seen),
        "exhausted": out.exhausted,
        "nodes": cluster["nodes"],
    }
    if schedule is not None:
        report["choices"] = schedule["explicit"]
        report["scheduleLength"] = len(schedule["choices"])
        if req.shrink and out.violation is not None:
            report["shrunkFrom"] = schedule["original"]
    effective_doc = {"version": scn.version, "name": scn.name, **cluster}
    execution = Execution(
        mode="explore",
        seed=req.seed,
        status=out.status,
        started_ns=started_ns,
        wall_ns=wall_ns,
        findings=out.findings,
        events=[] if schedule is None else schedule["events"],
        decisions=[] if schedule is None else schedule["decisions"],
        scenario=effective_doc,
        scenario_path=os.path.abspath(req.scenario_path),
        reproduce=None if out.status == "pass" or out.interrupted else req.reproduce(out.status),
        extra={"explore": report},
    )
    trace_explore = {"scenario_path": execution.scenario_path, "scenario": effective_doc,
                     **report}
    writer = None if out.interrupted else ExploreTrace(req, trace_explore, record)
    done = finalize(execution, req.base_dir, ArtifactOptions(reporter=req.reporter),
                    trace=writer)
    return done, report


def _replay_schedule(req: ExploreRequest, cluster: dict[str, Any], pool: Executor,
                     out: Outcome) -> dict[str, Any] | None:
    """The violating (or, with --record, the fifo) schedule run once more for its events and
    decisions, shrunk first with --shrink; None when there is nothing to record. A signal
    here leaves the violation reported but unrecorded."""
    if out.violation is None and req.record is None:
        return None
    choices = out.violation["choices"] if out.violation is not None else []
    item = {"cluster": cluster, "choices": choices,
            "shrink": req.shrink and out.violation is not None, "shrink_ms": SHRINK_MS}
    try:
        schedule = dict(pool.run([item], op="explore_replay",
                                 deadline_ms=lambda _: SHRINK_MS + 5000))[0]
    except KeyboardInterrupt:
        out.interrupted = True
        return None
    failed = _failed_item(schedule) if "choices" not in schedule else None
    if failed is not None:
        raise FozzyError(f"explore could not replay its schedule: {failed['message']}")
    return schedule
