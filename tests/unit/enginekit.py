"""Run steps through the real engine in-process (unit tests only; products go through the
worker pool)."""

from __future__ import annotations

from typing import Any

from workers.engine.loop import run_scenario
from workers.steps.parse import parse_steps


def run(
    steps: list[dict[str, Any]], *, seed: int = 7, det: bool = True, **spec: Any
) -> dict[str, Any]:
    scenario = {"version": 1, "name": "t", "steps": parse_steps(steps, "/steps")}
    return run_scenario({"scenario": scenario, "seed": seed, "det": det, **spec})


def titles(result: dict[str, Any]) -> list[str]:
    return [f["title"] for f in result["findings"]]
