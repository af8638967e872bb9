"""Shrink candidates: a scenario given as references into a base step list.

A candidate of a 200-step scenario differs from the base by which steps it keeps and, at
most, one rewritten step. Sending it whole costs as much as running it (encode, pipe,
decode of the full scenario per candidate); sending indexes into the base steps (which reach
each worker once, as the job's shared fields) plus the rewritten steps in full keeps each
candidate's message proportional to what changed.
"""

from __future__ import annotations

from typing import Any

from workers.engine.loop import run_scenario


def resolve_steps(base: list[dict[str, Any]], refs: list[Any]) -> list[dict[str, Any]]:
    """An int is the base step at that index; anything else is a step given in full."""
    return [base[r] if isinstance(r, int) else r for r in refs]


def run_candidate(item: dict[str, Any]) -> dict[str, Any]:
    """A RunSpec whose `scenario.steps` come from `base_steps` and `step_refs`."""
    spec = {k: v for k, v in item.items() if k not in ("base_steps", "step_refs")}
    steps = resolve_steps(item["base_steps"], item["step_refs"])
    spec["scenario"] = {**item["scenario"], "steps": steps}
    return run_scenario(spec)
