"""Shrinking an explore trace: the schedule (the explicit choices a replay needs) and the fault
steps (ddmin), a candidate kept only when the same invariant is violated with the same
signature."""

from __future__ import annotations

import time
from typing import Any

from fozzy.errors import FozzyError, TraceError
from fozzy.executor.seam import Executor
from fozzy.shrink.ddmin import ShrinkStats, ddmin
from fozzy.shrink.failure import Signature, describe, signature
from fozzy.shrink.shrunk import MIN_CANDIDATE_MS, Shrunk, batch_size


def _where(res: dict[str, Any]) -> Any:
    """The violated invariant's index (explore findings carry it in `location`)."""
    finding = res.get("finding") or {}
    return (finding.get("location") or {}).get("invariant")


def shrink_explore(
    minimize: str,
    doc: dict[str, Any],
    wanted: Signature,
    pool: Executor,
    stats: ShrinkStats,
    deadline: float,
) -> Shrunk:
    from workers.cluster.explore import choices_from_decisions
    from workers.cluster.faults import FAULT_TYPES
    from workers.cluster.model import ClusterError
    from workers.cluster.schedule import STEP

    explore = doc["explore"]
    effective = explore.get("scenario") if isinstance(explore, dict) else None
    if not isinstance(effective, dict) or "steps" not in effective:
        raise TraceError("explore trace embeds no effective cluster (explore.scenario)")
    cluster = {k: effective[k] for k in ("nodes", "steps", "invariants")}
    try:
        choices = choices_from_decisions(doc["decisions"])
    except ClusterError as e:
        raise TraceError(f"explore trace decisions: {e}") from None

    def remaining_ms() -> int:
        return max(1, int((deadline - time.monotonic()) * 1000))

    def replay(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = dict(pool.run(items, batch_size=batch_size(len(items), pool.jobs),
                                op="explore_replay",
                                deadline_ms=lambda it: int(it.get("shrink_ms") or 0)
                                + MIN_CANDIDATE_MS))
        return [results[i] for i in range(len(items))]

    def sig(res: dict[str, Any]) -> Signature:
        if "choices" not in res:  # drift (item error) or a synthesized hang/crash result
            return ("error", "", "")
        return signature(res["status"], [res["finding"]] if res["finding"] else [])

    first = replay([{"cluster": cluster, "choices": choices}])[0]

    def same(res: dict[str, Any]) -> bool:
        """The same signature from the same invariant (its index in `location`)."""
        return sig(res) == wanted and _where(res) == _where(first)

    if sig(first) != wanted:
        raise TraceError(f"baseline no longer reproduces the trace's failure: the trace"
                         f" recorded {describe(wanted)}, replaying it gives {describe(sig(first))}")
    original_len = len(first["choices"])
    original_faults = sum(s["type"] in FAULT_TYPES for s in cluster["steps"])

    def shrink_schedule(cl: dict[str, Any], ch: list[int]) -> list[int]:
        res = replay([{"cluster": cl, "choices": ch, "shrink": True,
                       "shrink_ms": remaining_ms()}])[0]
        stats.candidates += 1
        if not same(res):
            return ch
        explicit: list[int] = res["explicit"]
        if len(explicit) < len(ch):
            stats.accepted += 1
        return explicit

    def without_faults(cl: dict[str, Any], ch: list[int], keep: list[int]
                       ) -> tuple[dict[str, Any], list[int]]:
        """Drop the fault steps not in `keep`, and the schedule's picks of those steps."""
        drop = {i for i, s in enumerate(cl["steps"]) if s["type"] in FAULT_TYPES} - set(keep)
        steps = [s for i, s in enumerate(cl["steps"]) if i not in drop]
        out: list[int] = []
        script_pos = 0
        for c in ch:
            if c == STEP:
                script_pos += 1
                if script_pos - 1 in drop:
                    continue
            out.append(c)
        return {**cl, "steps": steps}, out

    if minimize in ("schedule", "all"):
        choices = shrink_schedule(cluster, choices)
    if minimize in ("faults", "all"):
        faults = [i for i, s in enumerate(cluster["steps"]) if s["type"] in FAULT_TYPES]

        def still_fails(candidates: list[list[int]]) -> list[bool]:
            items = []
            for keep in candidates:
                cl, ch = without_faults(cluster, choices, keep)
                items.append({"cluster": cl, "choices": ch})
            return [same(r) for r in replay(items)]

        kept = ddmin(faults, still_fails, stats, lambda: time.monotonic() < deadline,
                     min_len=0, width=pool.jobs)
        if len(kept) < len(faults):
            cluster, choices = without_faults(cluster, choices, kept)
            if minimize == "all" and time.monotonic() < deadline:
                choices = shrink_schedule(cluster, choices)
    final = replay([{"cluster": cluster, "choices": choices}])[0]
    if not same(final):
        raise FozzyError(f"the shrunk schedule ends {describe(sig(final))} instead of"
                         f" {describe(wanted)}")
    effective_doc = {**effective, **cluster}
    report = {**explore, "scenario": effective_doc, "choices": final["explicit"],
              "scheduleLength": len(final["choices"]), "shrunkFrom": original_len}
    result = {"status": final["status"], "findings": [final["finding"]],
              "decisions": final["decisions"], "events": final["events"],
              "wallNs": final["wallNs"]}
    if minimize == "faults":
        original, shrunk, unit = original_faults, sum(
            s["type"] in FAULT_TYPES for s in cluster["steps"]), "faults"
    else:
        original, shrunk, unit = original_len, len(final["explicit"]), "choices"
    return Shrunk(result, None, original, shrunk, unit, explore=report, mode="explore")
