"""`profile shrink`: the smallest scenario whose chosen metric still stays above (or below) a
threshold — "which steps make this run allocate so much / take so long?"

Candidates come from the same step passes as `fozzy shrink` (`fozzy.shrink.steps`), run on
the worker pool with the trace's seed, det mode and recorded backends (a host process must
really run again for its CPU to be measured). A candidate is kept when its metric, computed
exactly as `profile top` computes it, satisfies the condition. Deterministic metrics (heap,
virtual latency on scripted backends, io/sched counts) give a reproducible result; measured
ones (CPU, wall) can flip near the threshold, which the output's `measured` flag says.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fozzy.analysis.profile import domains
from fozzy.analysis.profile.bundle import Bundle
from fozzy.errors import ArgumentError, TraceError

SCHEMA = "fozzy.profile_shrink.v1"
SHRINK_METRICS = tuple(domains.METRIC_DOMAIN)
#: Per-candidate deadline floor (ms) and the multiple of the baseline's wall time allowed.
MIN_CANDIDATE_MS = 10_000
CANDIDATE_WALL_FACTOR = 20
_LIVE = {"proc": "scripted", "fs": "virtual", "http": "scripted"}


@dataclass
class ShrinkRequest:
    trace_path: Path
    doc: dict[str, Any]
    metric: str
    above: float | None
    below: float | None
    out: Path
    budget_s: float
    jobs: int
    limits: dict[str, int]


def check(req: ShrinkRequest) -> None:
    if req.metric not in SHRINK_METRICS:
        raise ArgumentError(f"--metric must be one of {', '.join(SHRINK_METRICS)},"
                            f" got {req.metric!r}")
    if (req.above is None) == (req.below is None):
        raise ArgumentError("give exactly one of --above VALUE or --below VALUE")
    if req.doc.get("scenario") is None:
        raise ArgumentError(f"profile shrink needs a steps trace; {req.trace_path} has no"
                            " embedded scenario")
    if req.budget_s <= 0:
        raise ArgumentError("--budget must be positive")


def holds(req: ShrinkRequest, value: float) -> bool:
    return value > req.above if req.above is not None else value < float(req.below or 0)


def metric_of(req: ShrinkRequest, result: dict[str, Any]) -> float:
    b = Bundle(label=str(req.trace_path), run_id="", seed=0, scenario="", status="",
               events=result.get("events") or [], measurements=result.get("measurements"),
               memory=None, wall_ms=0.0, virtual_ms=int(result.get("virtualMs") or 0))
    value = domains.metrics(b).get(req.metric)
    if value is None:
        raise TraceError(f"metric {req.metric} was not measured for this scenario")
    return value


def run_shrink(req: ShrinkRequest) -> dict[str, Any]:
    from fozzy.executor.pool import WorkerPool
    from fozzy.modes.replay import embedded_scenario
    from fozzy.modes.shrink import count_steps
    from fozzy.shrink.ddmin import ShrinkStats
    from fozzy.shrink.steps import Candidate, shrink_steps
    from fozzy.trace.model import recorded_host_families

    check(req)
    scenario = embedded_scenario(req.doc, req.trace_path)
    steps = list(scenario["steps"])
    used = recorded_host_families(req.doc)
    shared: dict[str, Any] = {
        "scenario": {k: v for k, v in scenario.items() if k != "steps"},
        "base_steps": steps, "scenario_path": req.doc.get("scenario_path"),
        "seed": int(req.doc["summary"]["identity"]["seed"]), "det": True, "timeout_ms": None,
        "backends": {k: "host" if k in used else v for k, v in _LIVE.items()},
        "memory": dict((req.doc.get("memory") or {}).get("options") or {}),
        "limits": req.limits, "cwd": os.getcwd(), "replay": None,
    }
    position = {id(s): i for i, s in enumerate(steps)}
    deadline = time.monotonic() + req.budget_s
    stats = ShrinkStats()
    with WorkerPool(req.jobs) as pool:
        def run(cands: list[list[dict[str, Any]]], ms: int) -> list[dict[str, Any]]:
            items = [{"step_refs": [position.get(id(s), s) for s in c]} for c in cands]
            got = dict(pool.run(items, op="run_refs", deadline_ms=lambda _: ms, shared=shared))
            return [got[i] for i in range(len(items))]

        base = run([steps], MIN_CANDIDATE_MS * 6)[0]
        baseline = metric_of(req, base)
        if not holds(req, baseline):
            raise ArgumentError(f"the recorded scenario's {req.metric} is {baseline:g}, which"
                                f" does not satisfy the condition; nothing to keep")
        per = max(MIN_CANDIDATE_MS,
                  CANDIDATE_WALL_FACTOR * int(base.get("wallNs", 0)) // 1_000_000)

        def keeps(cands: list[Candidate]) -> list[bool]:
            return [holds(req, metric_of(req, r)) for r in run([c.steps for c in cands], per)]

        shrunk = shrink_steps(steps, keeps, stats, lambda: time.monotonic() < deadline,
                              width=pool.jobs)
        after = baseline if shrunk == steps else metric_of(req, run([shrunk], per)[0])
    _write_scenario(req.out, {**scenario, "steps": shrunk})
    return {
        "schemaVersion": SCHEMA, "run": str(req.trace_path), "metric": req.metric,
        "condition": {"above": req.above} if req.above is not None else {"below": req.below},
        "measured": req.metric in domains.MEASURED_METRICS, "baseline": baseline,
        "after": after, "preserved": holds(req, after), "stepsBefore": count_steps(steps),
        "stepsAfter": count_steps(shrunk), "candidates": stats.candidates,
        "outOfBudget": stats.out_of_budget, "out": str(req.out),
    }


def _write_scenario(target: Path, scenario: dict[str, Any]) -> None:
    """The shrunk scenario as a runnable file, absent optional fields dropped."""
    import orjson

    from fozzy.artifacts.atomic import atomic_write_bytes

    doc = {"version": scenario.get("version", 1), "name": scenario["name"],
           "steps": [_as_written(s) for s in scenario["steps"]]}
    atomic_write_bytes(target, orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


def _as_written(step: dict[str, Any]) -> dict[str, Any]:
    """A normalized step without the optional fields it left unset (nested blocks too); user
    values such as a JSON body keep their nulls."""
    out: dict[str, Any] = {}
    for key, value in step.items():
        if value is None:
            continue
        if key == "steps" and isinstance(value, list):
            value = [_as_written(s) if isinstance(s, dict) else s for s in value]
        out[key] = value
    return out
