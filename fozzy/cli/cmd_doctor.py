"""`doctor`: environment checks and, with `--deep`, a determinism audit of one scenario."""

from __future__ import annotations

from typing import Annotated

import typer

from fozzy.cli.dask_flag import Dask

Deep = Annotated[
    bool, typer.Option("--deep", help="Run --scenario several times and compare the runs.")
]
Scenario = Annotated[
    str | None, typer.Option("--scenario", metavar="PATH", help="Scenario to audit (--deep).")
]
Runs = Annotated[
    int | None, typer.Option("--runs", metavar="N", help="Runs to compare (>= 2) [default: 3].")
]
Seed = Annotated[
    str | None,
    typer.Option("--seed", metavar="N", help="Seed for every audit run [default: 0xC0DEC0DE]."),
]


def register(app: typer.Typer) -> None:
    @app.command("doctor", help="Check the environment; --deep audits a scenario's determinism.")
    def doctor(
        deep: Deep = False,
        scenario: Scenario = None,
        runs: Runs = None,
        seed: Seed = None,
        dask: Dask = None,
    ) -> int:
        from fozzy.cli import flag_values as v
        from fozzy.cli.context import G
        from fozzy.cli.dask_choice import resolve_dask
        from fozzy.cli.output import emit, emit_error
        from fozzy.modes.doctor import DEFAULT_RUNS, DEFAULT_SEED, DoctorRequest, execute_doctor

        request = DoctorRequest(
            deep=deep,
            scenario=scenario,
            runs=DEFAULT_RUNS if runs is None else runs,
            seed=DEFAULT_SEED if seed is None else v.parse_seed(seed),
            backends=G.backends(),
            config_backends={"proc": G.config.proc_backend, "fs": G.config.fs_backend,
                             "http": G.config.http_backend},
            memory=v.memory_options(G.config),
            limits=v.host_limits(G.config),
            base_dir=G.config.base_dir,
            config_path=G.config_path,
            dask=resolve_dask(dask, G.config),
        )
        from fozzy.cli.dask_display import dask_display

        with dask_display(request.dask):
            report = execute_doctor(request)
        if report["ok"] or not G.strict:
            emit(report)
            return 0
        codes = ", ".join(i["code"] for i in report["issues"])
        message = f"strict mode: doctor found issues: {codes}"
        if G.json:
            emit_error(message, "strict_mode", extra={"report": report})
        else:
            emit(report)
            emit_error(message, "strict_mode")
        return 2
