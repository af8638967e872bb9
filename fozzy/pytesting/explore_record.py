"""`--fozzy-record` for explore items: the violating schedule as a `fozzy replay`-able trace.

The trace is the one `fozzy explore --record` writes for the same search (same `explore`
member: the effective cluster and the search report; the decisions and events of the
violating schedule replayed once on the pool with `explore_replay`), so `fozzy replay` re-runs
that schedule and ends with the same invariant failure. Only a violation is recorded: a
timed-out or crashed search has no schedule to replay, and its reproduce command re-runs it.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fozzy.errors import FozzyError

if TYPE_CHECKING:
    from fozzy.executor.pool import WorkerPool
    from fozzy.modes.explore import Outcome
    from fozzy.pytesting.items import ExploreItem


def replay_schedule(pool: WorkerPool, cluster: dict[str, Any],
                    choices: list[int]) -> dict[str, Any]:
    """The violating schedule run once more, for its full decisions and events."""
    from fozzy.modes.explore import SHRINK_MS, _failed_item

    item = {"cluster": cluster, "choices": choices, "shrink": False, "shrink_ms": SHRINK_MS}
    result = dict(pool.run([item], op="explore_replay",
                           deadline_ms=lambda _: SHRINK_MS + 5000))[0]
    failed = _failed_item(result) if "choices" not in result else None
    if failed is not None:
        raise FozzyError(f"explore could not replay its schedule: {failed['message']}")
    return result


def record_violation(pool: WorkerPool, item: ExploreItem, out: Outcome, target: Path,
                     started_ns: int) -> None:
    from fozzy.artifacts.summary import build_summary
    from fozzy.trace.model import build_trace
    from fozzy.trace.writer import write_trace

    assert out.violation is not None
    t0 = time.perf_counter_ns()
    schedule = replay_schedule(pool, item.cluster, out.violation["choices"])
    req = item.request
    report = {
        "schedule": req.schedule, "schedules": out.schedules, "distinctStates": len(out.seen),
        "exhausted": out.exhausted, "nodes": item.cluster["nodes"],
        "choices": schedule["explicit"], "scheduleLength": len(schedule["choices"]),
    }
    summary = build_summary(
        status=out.status, mode="explore", run_id=str(uuid.uuid4()), seed=req.seed,
        started_ns=started_ns, wall_ns=time.perf_counter_ns() - t0, trace_path=str(target),
        findings=out.findings, extra={"explore": report},
    )
    path = os.path.abspath(req.scenario_path)
    effective = {**item.scenario_header, **item.cluster}
    doc = build_trace(
        mode="explore", scenario_path=path, scenario=None, decisions=schedule["decisions"],
        events=schedule["events"], summary=summary,
        explore={"scenario_path": path, "scenario": effective, **report},
    )
    write_trace(target, doc)
