"""The worker's explore job ops: a batch of schedules for one job item, and the exact replay
(optionally shrunk first) of one schedule; both return plain JSON-ready results."""

from __future__ import annotations

import time
from typing import Any

from workers.cluster.explore import explore, prepare, replay, shrink
from workers.cluster.schedule import DEFAULT_PCT_DEPTH


def explore_batch(item: dict[str, Any]) -> dict[str, Any]:
    """The worker's `explore` op: one batch of schedules for one job item.

    Item: `{cluster, strategy, seed, schedules?, steps?, time_ms?, pct_depth?, prune?,
    seen?: [int], max_violations?}`. Result: `{schedules, distinctStates, newStates: [int],
    violations: [{index, status, finding, choices, decisions, events}], exhausted, timedOut,
    wallNs}`; each violation comes with the events of its strict replay, ready for a trace.
    """
    started = time.perf_counter_ns()
    prep = prepare(item["cluster"])
    given = set(item.get("seen") or [])
    seen = set(given)
    time_ms = item.get("time_ms")
    deadline = None if time_ms is None else time.monotonic() + time_ms / 1000
    s = explore(
        prep,
        str(item["strategy"]),
        seed=int(item.get("seed", 0)),
        schedules=item.get("schedules"),
        steps=item.get("steps"),
        deadline=deadline,
        pct_depth=int(item.get("pct_depth", DEFAULT_PCT_DEPTH)),
        prune=bool(item.get("prune", True)),
        seen=seen,
        max_violations=int(item.get("max_violations", 1)),
    )
    violations = []
    for run, index in s.violations:
        rec = replay(prep, run.choices)
        violations.append({"index": index, "status": rec.status, "finding": rec.finding,
                           "choices": rec.choices, "decisions": rec.decisions(),
                           "events": rec.events})
    return {
        "schedules": s.schedules,
        "distinctStates": len(s.seen),
        "newStates": sorted(s.seen - given),
        "violations": violations,
        "exhausted": s.exhausted,
        "timedOut": s.timed_out,
        "wallNs": time.perf_counter_ns() - started,
    }


def replay_item(item: dict[str, Any]) -> dict[str, Any]:
    """The worker's `explore_replay` op: replay a schedule exactly, optionally shrink it first.

    Item: `{cluster, choices: [int], shrink?: bool, shrink_ms?: int}`; an empty choice list
    is the fifo schedule. Result: `{status, finding, choices, decisions, events, original,
    wallNs}`, where `original` is the length of the schedule before shrinking.
    """
    started = time.perf_counter_ns()
    prep = prepare(item["cluster"])
    choices = [int(c) for c in item.get("choices") or []]
    original = len(replay(prep, choices).choices)
    if item.get("shrink"):
        limit = item.get("shrink_ms")
        deadline = None if limit is None else time.monotonic() + int(limit) / 1000
        choices = shrink(prep, choices, deadline=deadline)
    run = replay(prep, choices)
    return {"status": run.status, "finding": run.finding, "choices": run.choices,
            "explicit": choices, "decisions": run.decisions(), "events": run.events,
            "original": original, "wallNs": time.perf_counter_ns() - started}
