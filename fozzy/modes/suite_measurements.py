"""A suite's measurements: one `measurements.json` for a `fozzy test` run directory.

Each scenario's worker measures it only when it runs untrimmed (`--profile-capture full`, a
heap budget, or `--record`): a trimmed result keeps nothing a profile could read. The suite
document lists the measured scenarios in input order, each with its own per-step record
(`workers.engine.measure`), so it is the same for any `--jobs`. `fozzy profile` flattens it
(`fozzy.analysis.profile.bundle.flatten_suite`) into one run whose stacks start at each
scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fozzy.modes.test import Entry

SUITE_SCHEMA = "fozzy.suite-measurements.v1"


def suite_measurements(entries: list[Entry]) -> dict[str, Any] | None:
    """The suite document, or None when no scenario was measured."""
    rows = [
        {"path": e.selected.path, "name": e.name, "seed": e.seed, "status": e.row["status"],
         "measurements": e.measurements}
        for e in entries if e.row is not None and e.measurements is not None
    ]
    if not rows:
        return None
    return {"schema": SUITE_SCHEMA, "scenarios": rows}
