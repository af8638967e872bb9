"""What a map could not see, in the same shape in all three reports.

The reference reports degraded reads only in `map suites`, so a `hotspots` report from a
repository with unreadable files looks complete. Here every report carries the lists (each
omitted when empty) and a `warnings` entry per kind saying which confidence is lost; `fozzy
full` fails its topology step on any warning.
"""

from __future__ import annotations

from typing import Any

from fozzy.analysis.map.scan import Scan
from fozzy.analysis.map.scenarios import ScenarioScan


def warnings(scan: Scan, scenarios: ScenarioScan) -> list[str]:
    out: list[str] = []
    if scan.skipped:
        out.append(f"{len(scan.skipped)} source file(s) could not be read; "
                   "hotspot coverage is incomplete")
    if not scenarios.exists:
        out.append(f"scenario root {scenarios.root} does not exist; "
                   "no scenario counts as coverage")
    if scenarios.unreadable:
        out.append(f"{len(scenarios.unreadable)} scenario file(s) could not be read or are not "
                   "JSON; suite attribution confidence is reduced")
    if scenarios.invalid:
        out.append(f"{len(scenarios.invalid)} scenario file(s) are not valid scenarios and were "
                   "excluded; suite attribution confidence is reduced")
    if scenarios.declaration_only:
        out.append(f"{len(scenarios.declaration_only)} declaration-only scenario(s) execute "
                   "nothing and do not count toward coverage")
    return out


def degraded_fields(scan: Scan, scenarios: ScenarioScan) -> dict[str, Any]:
    """The optional degraded-read members of a map report (absent when empty)."""
    fields = {
        "skippedSourceFiles": scan.skipped,
        "unreadableScenarios": scenarios.unreadable,
        "invalidScenarios": scenarios.invalid,
        "declarationOnlyScenarios": scenarios.declaration_only,
        "warnings": warnings(scan, scenarios),
    }
    return {k: list(v) for k, v in fields.items() if v}
