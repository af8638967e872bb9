"""`replay TRACE`: re-run a recorded trace exactly, from its decisions, with no live effects."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from fozzy.cli import common as c
from fozzy.cli import flag_values as v


def register(app: typer.Typer) -> None:
    @app.command("replay", help="Replay a recorded .fozzy trace against its decision log.")
    def replay(
        trace: Annotated[str, typer.Argument(help="Trace file (.fozzy).")],
        until: Annotated[
            str | None,
            typer.Option("--until", metavar="DUR",
                         help="Wall-clock budget; stop with status timeout when spent."),
        ] = None,
        step: Annotated[
            bool,
            typer.Option("--step", help="Print each step as it replayed (stderr with --json)."),
        ] = False,
        dump_events: Annotated[
            bool,
            typer.Option("--dump-events",
                         help="Print the replayed events as JSON lines (stderr with --json)."),
        ] = False,
        reporter: c.Reporter = None,
        trust_target: c.TrustTarget = False,
        profile_capture: c.ProfileCapture = "baseline",
    ) -> int:
        import orjson

        from fozzy.analysis.profile.budgets import HeapBudgets
        from fozzy.cli.context import G
        from fozzy.modes.replay import ReplayRequest, execute_replay, step_lines

        until_ms = v.parse_duration_flag(until, "--until")
        chosen = v.resolve_reporter(reporter, G.config)
        if chosen == "json":
            G.json = True
        done = execute_replay(ReplayRequest(
            trace_path=trace,
            until_ms=until_ms,
            step=step,
            capture=step or dump_events or v.full_profile_capture(profile_capture),
            reporter=chosen,
            limits=v.host_limits(G.config),
            base_dir=G.config.base_dir,
            trust_target=trust_target,
            heap_budgets=HeapBudgets.from_config(G.config),
            invocation=v.invocation(),
        ))
        # Stdout carries exactly one JSON document in --json mode: the listings go aside.
        out = sys.stderr if G.json else sys.stdout
        if step:
            for line in step_lines(done.events):
                out.write(line + "\n")
        if dump_events:
            for ev in done.events:
                out.write(orjson.dumps(ev).decode() + "\n")
        out.flush()
        return v.conclude(done.finalized.summary, chosen)
