"""`map hotspots` and `map services` (spec §6.3), with the degraded-read members added."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from fozzy.analysis.map.degraded import degraded_fields
from fozzy.analysis.map.scan import Scan, scan_repository
from fozzy.analysis.map.scenarios import ScenarioScan, scan_scenarios
from fozzy.analysis.map.score import Hotspot, hotspots

HOTSPOTS_SCHEMA = "fozzy.map_hotspots.v2"
SERVICES_SCHEMA = "fozzy.map_services.v2"
#: Wall-clock budget of one map command (the reference's 30 s): a huge tree is an error,
#: not a CI job that hangs.
MAP_BUDGET_S = 30.0
#: A component with fewer hotspot files than this is not reported as a service.
MIN_SERVICE_FILES = 2


@dataclass(frozen=True)
class MapInput:
    scan: Scan
    scenarios: ScenarioScan
    hotspots: list[Hotspot]


def collect(root: str, scenario_root: str, budget_s: float | None = MAP_BUDGET_S) -> MapInput:
    """Scan sources and scenarios once; every report is built from this."""
    deadline = None if budget_s is None else time.monotonic() + budget_s
    scan = scan_repository(root, deadline)
    scenarios = scan_scenarios(scenario_root, deadline)
    return MapInput(scan, scenarios, hotspots(scan.files))


def _head(schema: str, m: MapInput) -> dict[str, Any]:
    return {"schemaVersion": schema, "root": m.scan.root, "scenarioRoot": m.scenarios.root,
            "scannedFiles": m.scan.scanned}


def hotspots_report(m: MapInput, min_risk: int, limit: int) -> dict[str, Any]:
    chosen = [h for h in m.hotspots if h.risk >= min_risk][:limit]
    return {**_head(HOTSPOTS_SCHEMA, m), "minRisk": min_risk,
            "hotspots": [h.to_json() for h in chosen], **degraded_fields(m.scan, m.scenarios)}


def service_kind(entry: int, external: int, concurrency: int) -> str:
    if entry > 0 and external > 0:
        return "service"
    return "worker" if concurrency > 0 else "library"


def services_report(m: MapInput) -> dict[str, Any]:
    groups: dict[str, list[Hotspot]] = {}
    for h in m.hotspots:
        groups.setdefault(h.component, []).append(h)
    services: list[dict[str, Any]] = []
    for name, members in groups.items():
        if len(members) < MIN_SERVICE_FILES:
            continue
        entry = sum(h.signals.entrypoint for h in members)
        external = sum(h.signals.external for h in members)
        conc = sum(h.signals.concurrency for h in members)
        services.append({
            "name": name, "path": name, "kind": service_kind(entry, external, conc),
            "fileCount": len(members), "entrypointSignals": entry, "externalSignals": external,
            "concurrencySignals": conc,
        })
    services.sort(key=lambda s: (-s["fileCount"], s["path"]))
    return {**_head(SERVICES_SCHEMA, m), "services": services,
            **degraded_fields(m.scan, m.scenarios)}
