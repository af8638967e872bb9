"""`schema` and its alias `steps`: the scenario format, generated from the step registry."""

from __future__ import annotations

import typer

from fozzy.cli.output import emit


def _schema() -> int:
    from fozzy.scenario.schema import schema_doc

    emit(schema_doc())
    return 0


def register(app: typer.Typer) -> None:
    app.command("schema", help="Every file variant, step type and field, with examples.")(_schema)
    app.command("steps", help="Alias of `schema`.")(_schema)
