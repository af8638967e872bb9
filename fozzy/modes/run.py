"""`fozzy run`: one steps scenario, executed on a one-worker pool, finalized into a run dir.

The scenario is loaded and validated completely before a worker starts, so bad input never
leaves a run directory behind. The worker enforces the timeout between steps and for host
calls in flight; the pool's deadline (timeout + grace) is the backstop for anything else.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from fozzy.analysis.profile.budgets import HeapBudgets
from fozzy.artifacts.invocation import Invocation
from fozzy.artifacts.reproduce import RunFlags, run_command
from fozzy.executor.finalize import ArtifactOptions, Execution, Finalized, TraceWriter, finalize
from fozzy.executor.seam import make_executor
from fozzy.scenario.load import Scenario, load_scenario
from fozzy.scenario.validate import require_steps, validate_scenario


@dataclass
class RunRequest:
    scenario_path: str
    seed: int
    det: bool = False
    timeout_ms: int | None = None
    reporter: str = "pretty"
    memory: dict[str, Any] = field(default_factory=dict)
    backends: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    base_dir: str = ".fozzy"
    full_capture: bool = False  # --profile-capture full: heavy artifacts even on pass
    heap_budgets: HeapBudgets = field(default_factory=HeapBudgets)
    worker_mem_mb: int | None = None
    invocation: Invocation = field(default_factory=Invocation)

    def reproduce(self) -> str:
        """The command that runs this scenario again exactly (seed made explicit)."""
        flags = RunFlags(self.det, self.timeout_ms, self.memory, self.backends,
                         self.worker_mem_mb)
        return run_command(self.invocation, self.scenario_path, self.seed, flags)


def load_runnable(path: str) -> Scenario:
    """The scenario at `path`, or the ScenarioError that says why `run` cannot run it."""
    scn = load_scenario(path)
    require_steps(scn)
    validate_scenario(scn)
    return scn


def run_spec(req: RunRequest, scn: Scenario) -> dict[str, Any]:
    """The job item (workers.protocol RunSpec) for this run."""
    return {
        "scenario": scn.doc,
        "scenario_path": req.scenario_path,
        "seed": req.seed,
        "det": req.det,
        "timeout_ms": req.timeout_ms,
        "backends": req.backends,
        "memory": req.memory,
        "limits": req.limits,
        "cwd": os.getcwd(),
        "replay": None,
    }


def execute_run(req: RunRequest, *, trace: TraceWriter | None = None) -> Finalized:
    scn = load_runnable(req.scenario_path)
    spec = run_spec(req, scn)
    started_ns = time.time_ns()
    t0 = time.perf_counter_ns()
    with make_executor(1, mem_limit_mb=req.worker_mem_mb) as pool:
        results = dict(pool.run([spec]))
    wall_ns = time.perf_counter_ns() - t0
    result = results[0]
    result["findings"] = [*result["findings"], *req.heap_budgets.check(result)]
    execution = Execution(
        mode="run",
        seed=req.seed,
        status=result["status"],
        started_ns=started_ns,
        wall_ns=wall_ns,
        findings=result["findings"],
        events=result["events"],
        decisions=result["decisions"],
        memory_report=result["memory"],
        virtual_ms=result["virtualMs"],
        measurements=result.get("measurements"),
        scenario=scn.doc,
        scenario_path=req.scenario_path,
        reproduce=None if result["status"] == "pass" else req.reproduce(),
    )
    options = ArtifactOptions(
        reporter=req.reporter, mem_artifacts=bool(req.memory.get("artifacts")),
        explicit_capture=req.full_capture,
    )
    return finalize(execution, req.base_dir, options, trace=trace)
