"""`validate FILE`: parse and validate one scenario without running anything.

Always answers with one `{ok, scenario, …}` object (exit 0 or 2) rather than the generic error
envelope, so scripts can read the variant and the failing JSON pointer the same way in both
outcomes.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from fozzy.cli.output import emit
from fozzy.errors import FozzyError


def validate_report(path: str) -> dict[str, Any]:
    """The §2.12 object for `path`: `ok`, the variant when known, counts or the error."""
    from fozzy.scenario.load import load_scenario
    from fozzy.scenario.validate import validate_scenario

    try:
        scn = load_scenario(path)
    except FozzyError as e:
        return _failure({"ok": False, "scenario": path}, e)
    head: dict[str, Any] = {"ok": False, "scenario": path, "variant": scn.variant}
    if scn.variant == "suites":
        head["name"] = scn.name
    try:
        validate_scenario(scn)
    except FozzyError as e:
        return _failure(head, e)
    if scn.variant == "distributed":
        dist = scn.doc["distributed"]
        counts = {"steps": len(dist["steps"]), "invariants": len(dist["invariants"])}
    else:
        counts = {"steps": len(scn.doc["steps"])}
    return {**head, "ok": True, "name": scn.name, **counts}


def _failure(head: dict[str, Any], e: FozzyError) -> dict[str, Any]:
    out = dict(head)
    out["error"] = e.render()
    pointer = getattr(e, "pointer", "")
    if pointer:
        out["pointer"] = pointer
    return out


def register(app: typer.Typer) -> None:
    @app.command("validate", help="Parse and validate a scenario without running it.")
    def validate(
        scenario: Annotated[str, typer.Argument(help="Scenario file to check.")],
    ) -> int:
        report = validate_report(scenario)
        emit(report)
        return 0 if report["ok"] else 2
