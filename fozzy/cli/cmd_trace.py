"""`trace verify`: is this trace intact and safe to replay?"""

from __future__ import annotations

from typing import Annotated

import typer

from fozzy.cli.context import G
from fozzy.cli.output import emit


def register(app: typer.Typer) -> None:
    trace = typer.Typer(
        name="trace", help="Inspect .fozzy trace files.", no_args_is_help=True,
        rich_markup_mode=None,
    )

    @trace.command("verify", help="Check a trace's header, checksum and replay warnings.")
    def verify(
        path: Annotated[str, typer.Argument(help="Trace file to verify.")],
    ) -> int:
        from fozzy.trace.verify import verify_trace

        emit(verify_trace(path, strict=G.strict))
        return 0

    app.add_typer(trace)
