"""`fozzy shrink`: the smallest scenario (or input, or schedule) that still fails the same way.

"The same way" is the failure signature: status plus the kind and title of the first finding
(findings ordered as reports order them), raised by the same step of the original scenario
(steps traces), at the same exception type and location (fn fuzz traces), by the same
invariant (explore traces: its index is the finding's `location.invariant`). The reference
only kept pass/non-pass, so a shrink could drift from the bug it was asked about into an
unrelated one; matching the signature means the reproducer that comes out is a reproducer
of the failure that went in. Oracles are never edited (fozzy.shrink.steps).

Every candidate runs on the worker pool exactly like a normal run (det, the trace's seed and
memory options, scripted/virtual backends), a wave of `--jobs` candidates at a time, so
`--jobs` changes the wall time and never the result: the shrinkers pick the first failing
candidate in list order, not the first to finish, and stop a level at the first wave that has
one. The output goes through the one trace
writer, and before it is written the shrunk run is replayed from its own decisions to prove
the file reproduces the failure.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fozzy.artifacts.invocation import Invocation
from fozzy.artifacts.reproduce import replay_command
from fozzy.artifacts.summary import build_summary, memory_summary
from fozzy.errors import ArgumentError, FozzyError, TraceError
from fozzy.executor.seam import Executor, make_executor
from fozzy.shrink.ddmin import ShrinkStats
from fozzy.shrink.explore_schedule import shrink_explore
from fozzy.shrink.failure import Signature, StepFailure, describe, signature
from fozzy.shrink.fuzz_input import shrink_fuzz
from fozzy.shrink.shrunk import MIN_CANDIDATE_MS, Shrunk, batch_size
from fozzy.shrink.steps import Candidate, shrink_candidate
from fozzy.trace.model import build_trace, recorded_host_families, trace_kind
from fozzy.trace.reader import read_trace
from fozzy.trace.writer import release_target, resolve_target, write_trace

MINIMIZE = ("input", "schedule", "faults", "all")
ACCEPTED = {
    "steps": ("input", "all"),
    "fuzz": ("input", "all"),
    "explore": ("schedule", "faults", "all"),
}
DEFAULT_BUDGET_MS = 15_000
SCRIPTED = {"proc": "scripted", "fs": "virtual", "http": "scripted"}
RESTART_BUDGET = 10_000  # a crashing failure restarts a worker per reproducing candidate

@dataclass
class ShrinkRequest:
    trace_path: str
    out: str | None = None
    budget_ms: int = DEFAULT_BUDGET_MS
    minimize: str = "all"
    jobs: int = 1
    limits: dict[str, int] = field(default_factory=dict)
    trust_target: bool = False  # run an fn: target even when it is not a project file
    invocation: Invocation = field(default_factory=Invocation)
    dask: str | None = None  # run candidates on this Dask cluster (`--dask`)


@dataclass
class ShrinkOutcome:
    """The minimized run's summary (its `tracePath` is the output file) and how it went."""

    summary: dict[str, Any]
    stats: dict[str, Any]

    def document(self) -> dict[str, Any]:
        return {**self.summary, "shrink": self.stats}


def default_out(path: Path) -> Path:
    name = path.name
    stem = name[: -len(".fozzy")] if name.endswith(".fozzy") else name
    return path.with_name(f"{stem}.min.fozzy")


def count_steps(steps: list[dict[str, Any]]) -> int:
    """Every step, nested ones included."""
    return sum(1 + count_steps(s.get("steps") or []) for s in steps)


def check_request(req: ShrinkRequest) -> None:
    if req.minimize not in MINIMIZE:
        raise ArgumentError(f"--minimize must be one of {'|'.join(MINIMIZE)}, got"
                            f" {req.minimize!r}")
    if req.jobs < 1:
        raise ArgumentError(f"--jobs must be at least 1, got {req.jobs}")
    if req.budget_ms < 1:
        raise ArgumentError("--budget must be at least 1ms")


def execute_shrink(req: ShrinkRequest) -> ShrinkOutcome:
    check_request(req)
    path, doc = read_trace(req.trace_path)
    kind = trace_kind(doc)
    if req.minimize not in ACCEPTED[kind]:
        raise ArgumentError(
            f"--minimize {req.minimize} does not apply to {kind} traces (accepted:"
            f" {'|'.join(ACCEPTED[kind])})"
        )
    summary = doc["summary"]
    if summary["status"] == "pass":
        raise TraceError(f"trace {path} passed: there is no failure to shrink")
    if kind == "steps":
        _refuse_host(doc)
    if kind == "fuzz":
        from fozzy.trace.trust import require_trusted

        require_trusted(str(doc["fuzz"]["target"]), req.trust_target)
    wanted = signature(summary["status"], summary.get("findings") or [])
    target = resolve_target(req.out if req.out is not None else default_out(path))
    started_ns = time.time_ns()
    t0 = time.monotonic()
    deadline = t0 + req.budget_ms / 1000.0
    stats = ShrinkStats()

    def budget_left() -> bool:
        return time.monotonic() < deadline

    width = {"jobs": req.jobs}
    try:
        with make_executor(req.jobs, dask=req.dask, restart_budget=RESTART_BUDGET) as pool:
            width.update(_width(pool, req.dask))
            if kind == "steps":
                shrunk = _shrink_steps(req, doc, wanted, pool, stats, budget_left)
            elif kind == "fuzz":
                shrunk = shrink_fuzz(doc, wanted, pool, stats, budget_left)
            else:
                shrunk = shrink_explore(req.minimize, doc, wanted, pool, stats, deadline)
        reproduce = replay_command(req.invocation, str(target), trust_target=req.trust_target)
        outcome = _write(shrunk, target, doc, started_ns, reproduce)
    except KeyboardInterrupt:
        release_target(target)
        return _interrupted(req, kind, wanted, stats, t0, width)
    except BaseException:
        release_target(target)
        raise
    outcome.stats.update({
        **_identity(req, kind, wanted),
        "unit": shrunk.unit,
        "original": shrunk.original_size,
        "shrunk": shrunk.shrunk_size,
        "candidates": stats.candidates,
        "levels": stats.levels,
        "accepted": stats.accepted,
        "outOfBudget": stats.out_of_budget,
        "wallMs": int((time.monotonic() - t0) * 1000),
        **width,
    })
    return outcome


def _width(pool: Executor, dask: str | None) -> dict[str, int]:
    """How wide the candidate waves ran: `jobs` is the executor's width (with --dask the
    cluster's thread count, not the ignored --jobs), plus the Dask worker count there."""
    width = {"jobs": pool.jobs}
    if dask is not None:
        from fozzy.executor.dask import DaskExecutor

        if isinstance(pool, DaskExecutor):
            width["daskWorkers"] = pool.workers
    return width


def _identity(req: ShrinkRequest, kind: str, wanted: Signature) -> dict[str, Any]:
    return {"kind": kind, "minimize": req.minimize,
            "signature": {"status": wanted[0], "kind": wanted[1], "title": wanted[2]}}


def _interrupted(req: ShrinkRequest, kind: str, wanted: Signature, stats: ShrinkStats,
                 t0: float, width: dict[str, int]) -> ShrinkOutcome:
    """The partial report of a shrink stopped by a signal: how far it got. Nothing is written:
    the output trace must be a checked reproducer, and the checks are what was cut short."""
    from fozzy.executor.interrupted import interrupted_finding

    message = (f"shrink interrupted after {stats.candidates} candidates ({stats.accepted}"
               " accepted); no trace written")
    return ShrinkOutcome({"findings": [interrupted_finding(message)]}, {
        **_identity(req, kind, wanted),
        "candidates": stats.candidates,
        "levels": stats.levels,
        "accepted": stats.accepted,
        "wallMs": int((time.monotonic() - t0) * 1000),
        **width,
        "out": None,
    })


def _write(shrunk: Shrunk, target: Path, doc: dict[str, Any], started_ns: int,
           reproduce: str) -> ShrinkOutcome:
    result = shrunk.result
    seed = int(doc["summary"]["identity"]["seed"])
    summary = build_summary(
        status=result["status"],
        mode=shrunk.mode,
        run_id=str(uuid.uuid4()),
        seed=seed,
        started_ns=started_ns,
        wall_ns=int(result.get("wallNs", 0)),
        trace_path=str(target),
        virtual_ms=result.get("virtualMs"),
        memory=memory_summary(result.get("memory")),
        findings=result["findings"],
        reproduce=reproduce,
    )
    trace = build_trace(
        mode=shrunk.mode,
        scenario_path=None,
        scenario=shrunk.scenario,
        decisions=result.get("decisions") or [],
        events=result.get("events") or [],
        summary=summary,
        memory=result.get("memory"),
        fuzz=shrunk.fuzz,
        explore=shrunk.explore,
    )
    write_trace(target, trace)
    return ShrinkOutcome(summary, {})


# -- steps traces ----------------------------------------------------------------------------


def _refuse_host(doc: dict[str, Any]) -> None:
    """Shrink re-runs candidates on scripted/virtual backends, which cannot reproduce what a
    host backend did. The trace's `backends` member decides, not its host events: a host step
    that timed out or failed before emitting an event would otherwise slip through and only
    fail later as a baseline that "no longer reproduces"."""
    host = sorted(recorded_host_families(doc))
    if host:
        raise TraceError(
            f"trace was recorded with host backends ({', '.join(host)}); shrink re-runs"
            " candidates on scripted/virtual backends, which cannot reproduce host effects"
            " (record the scenario with scripted rules to shrink it)"
        )


def _shrink_steps(
    req: ShrinkRequest,
    doc: dict[str, Any],
    wanted: Signature,
    pool: Executor,
    stats: ShrinkStats,
    budget_left: Callable[[], bool],
) -> Shrunk:
    scenario = doc["scenario"]
    steps = list(scenario["steps"])
    # Everything but the steps a candidate keeps goes to each worker once (see
    # workers.candidates): a candidate is indexes into `steps` plus any rewritten step.
    shared: dict[str, Any] = {
        "scenario": {k: v for k, v in scenario.items() if k != "steps"},
        "base_steps": steps,
        "scenario_path": doc.get("scenario_path"),
        "seed": int(doc["summary"]["identity"]["seed"]),
        "det": True,
        "timeout_ms": None,
        "backends": dict(SCRIPTED),
        "memory": dict((doc.get("memory") or {}).get("options") or {}),
        "limits": req.limits,
        "cwd": os.getcwd(),
        "replay": None,
    }
    position = {id(s): i for i, s in enumerate(steps)}

    def spec(candidate: list[dict[str, Any]], trim: bool) -> dict[str, Any]:
        return {"step_refs": [position.get(id(s), s) for s in candidate], "trim": trim}

    def run(items: list[dict[str, Any]], deadline_ms: int) -> list[dict[str, Any]]:
        results = dict(pool.run(items, batch_size=batch_size(len(items), pool.jobs),
                                op="run_refs", deadline_ms=lambda _: deadline_ms,
                                shared=shared))
        return [results[i] for i in range(len(items))]

    # Every worker runs the baseline: one result is needed, and the copies cost nothing on
    # the critical path (the step is serial anyway) while each worker pays its first-run
    # costs (copy-on-write faults, cold caches: several ms) before the first parallel wave.
    baseline = run([spec(steps, False)] * pool.jobs, MIN_CANDIDATE_MS * 6)[0]
    got = signature(baseline["status"], baseline["findings"])
    if got != wanted:
        raise TraceError(
            f"baseline no longer reproduces the trace's failure: the trace recorded"
            f" {describe(wanted)}, re-running its scenario gives {describe(got)}"
        )
    per_candidate = max(MIN_CANDIDATE_MS, 20 * int(baseline.get("wallNs", 0)) // 1_000_000)
    failure = StepFailure.of(baseline)

    def still_fails(candidates: list[Candidate]) -> list[bool]:
        results = run([spec(c.steps, True) for c in candidates], per_candidate)
        return [failure.matches(r, c) for c, r in zip(candidates, results, strict=True)]

    best = shrink_candidate(steps, still_fails, stats, budget_left, width=pool.jobs)
    shrunk = best.steps
    final = baseline if shrunk == steps else run([spec(shrunk, False)], per_candidate)[0]
    _check_final(final, wanted, "the shrunk scenario")
    replayed = run(
        [{**spec(shrunk, True), "replay": {"decisions": final["decisions"],
                                           "recorded_status": final["status"]}}],
        per_candidate,
    )[0]
    _check_final(replayed, wanted, "a replay of the shrunk trace")
    if not failure.matches(final, best):
        raise FozzyError("the shrunk scenario fails at a different step than the original")
    return Shrunk(final, {**scenario, "steps": shrunk}, count_steps(steps),
                   count_steps(shrunk), "steps")


def _check_final(result: dict[str, Any], wanted: Signature, what: str) -> None:
    got = signature(result["status"], result["findings"])
    if got != wanted:
        detail = f": {result['error']}" if "error" in result else ""
        raise FozzyError(f"{what} ends {describe(got)} instead of {describe(wanted)}{detail}")
