"""`run SCENARIO`: execute one steps scenario and write its run directory."""

from __future__ import annotations

from typing import Annotated

import typer

from fozzy.cli import common as c
from fozzy.cli import flag_values as v


def register(app: typer.Typer) -> None:
    @app.command("run", help="Run one scenario and write its run directory.")
    def run(
        scenario: Annotated[str, typer.Argument(help="Scenario file (*.fozzy.json).")],
        det: c.Det = False,
        seed: c.Seed = None,
        timeout: c.Timeout = None,
        reporter: c.Reporter = None,
        mem_track: c.MemTrack = False,
        mem_limit_mb: c.MemLimitMb = None,
        mem_fail_after: c.MemFailAfter = None,
        mem_fragmentation_seed: c.MemFragmentationSeed = None,
        mem_pressure_wave: c.MemPressureWave = None,
        fail_on_leak: c.FailOnLeak = False,
        leak_budget: c.LeakBudget = None,
        mem_artifacts: c.MemArtifacts = False,
        worker_mem_mb: c.WorkerMemMb = None,
        record: Annotated[
            str | None,
            typer.Option("--record", metavar="PATH", help="Write the run's trace to PATH."),
        ] = None,
        record_collision: Annotated[
            str,
            typer.Option(
                "--record-collision",
                metavar="error|overwrite|append",
                help="When the --record path exists: fail, replace it, or number a new file.",
            ),
        ] = "append",
        profile_capture: c.ProfileCapture = "baseline",
    ) -> int:
        from fozzy.analysis.profile.budgets import HeapBudgets
        from fozzy.cli.context import G
        from fozzy.modes.run import RunRequest, execute_run

        flags = v.execution_flags(
            G.config,
            det=det,
            seed=seed,
            timeout=timeout,
            reporter=reporter,
            mem_track=mem_track,
            mem_limit_mb=mem_limit_mb,
            mem_fail_after=mem_fail_after,
            mem_fragmentation_seed=mem_fragmentation_seed,
            mem_pressure_wave=mem_pressure_wave,
            fail_on_leak=fail_on_leak,
            leak_budget=leak_budget,
            mem_artifacts=mem_artifacts,
        )
        if flags.reporter == "json":
            G.json = True
        request = RunRequest(
            scenario_path=scenario,
            seed=flags.seed,
            det=flags.det,
            timeout_ms=flags.timeout_ms,
            reporter=flags.reporter,
            memory=flags.memory,
            backends=G.backends(),
            limits=v.host_limits(G.config),
            base_dir=G.config.base_dir,
            full_capture=v.full_profile_capture(profile_capture),
            heap_budgets=HeapBudgets.from_config(G.config),
            worker_mem_mb=v.worker_mem_mb(worker_mem_mb),
            invocation=v.invocation(),
        )
        from fozzy.trace.recorder import Recorder

        with Recorder(record, record_collision, request.backends) as recorder:
            done = execute_run(request, trace=recorder)
        return v.conclude(done.summary, flags.reporter)
