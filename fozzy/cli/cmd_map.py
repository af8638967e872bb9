"""`map hotspots|services|suites`: risky source files and the fozzy suites that cover them."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fozzy.cli.context import G
from fozzy.cli.output import emit

if TYPE_CHECKING:
    from fozzy.analysis.map.reports import MapInput

Root = Annotated[str, typer.Option("--root", metavar="DIR", help="Repository to scan.")]
ScenarioRoot = Annotated[
    str, typer.Option("--scenario-root", metavar="DIR",
                      help="Where the *.fozzy.json scenarios live (read for degraded reads).")
]
MinRisk = Annotated[int, typer.Option("--min-risk", metavar="0..100", help="Risk threshold.")]


def _collect(root: str, scenario_root: str) -> MapInput:
    from fozzy.analysis.map.reports import collect

    return collect(root, scenario_root)


def check_range(flag: str, value: int, low: int, high: int | None = None) -> None:
    from fozzy.errors import ArgumentError

    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ArgumentError(f"{flag} must be {bound}, got {value}")


def choice(flag: str, value: str, choices: tuple[str, ...]) -> str:
    from fozzy.errors import ArgumentError

    normalized = value.replace("-", "_")
    if normalized not in choices:
        shown = "|".join(c.replace("_", "-") for c in choices)
        raise ArgumentError(f"{flag} must be one of {shown}, got {value!r}")
    return normalized


def _warn_lines(report: dict[str, Any]) -> list[str]:
    lines = [f"warning: {w}" for w in report.get("warnings", [])]
    for key in ("skippedSourceFiles", "unreadableScenarios", "invalidScenarios",
                "declarationOnlyScenarios"):
        lines += [f"  {key}: {item}" for item in report.get(key, [])]
    return lines


def _print(report: dict[str, Any], body: list[str]) -> None:
    if G.json:
        emit(report)
        return
    head = f"root {report['root']}: {report['scannedFiles']} source file(s) scanned"
    sys.stdout.write("\n".join([head, *body, *_warn_lines(report)]) + "\n")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="map", help="Topology risk maps: hotspots, services, suite coverage.",
        no_args_is_help=True, rich_markup_mode=None,
    )

    @group.command("hotspots", help="Source files by risk score (branching, concurrency, IO).")
    def hotspots(
        root: Root = ".", scenario_root: ScenarioRoot = "tests", min_risk: MinRisk = 60,
        limit: Annotated[int, typer.Option("--limit", metavar="N")] = 50,
    ) -> int:
        from fozzy.analysis.map.reports import hotspots_report

        check_range("--min-risk", min_risk, 0, 100)
        check_range("--limit", limit, 0)
        report = hotspots_report(_collect(root, scenario_root), min_risk, limit)
        _print(report, [f"{h['riskScore']:>3}  {h['id']}  {'; '.join(h['reasons'])}"
                        for h in report["hotspots"]])
        return 0

    @group.command("services", help="Hotspot files grouped into services, workers, libraries.")
    def services(root: Root = ".", scenario_root: ScenarioRoot = "tests") -> int:
        from fozzy.analysis.map.reports import services_report

        report = services_report(_collect(root, scenario_root))
        _print(report, [f"{s['kind']:<8} {s['name']}  ({s['fileCount']} files)"
                        for s in report["services"]])
        return 0

    @group.command("suites", help="Which fozzy suites each hotspot needs and which cover it.")
    def suites(
        root: Root = ".", scenario_root: ScenarioRoot = "tests", min_risk: MinRisk = 60,
        profile: Annotated[
            str, typer.Option("--profile", metavar="balanced|pedantic|overkill")
        ] = "pedantic",
        shrink_policy: Annotated[str, typer.Option(
            "--shrink-policy", metavar="failure-only|exercised-ok|no-known-failures"
        )] = "no-known-failures",
        limit: Annotated[int, typer.Option("--limit", metavar="N")] = 100,
        offset: Annotated[int, typer.Option("--offset", metavar="N")] = 0,
        all_: Annotated[bool, typer.Option("--all", help="Every entry (no pagination).")] = False,
        only_required: Annotated[bool, typer.Option(
            "--only-required", help="Only hotspots the profile requires suites for.")] = False,
        only_uncovered: Annotated[bool, typer.Option(
            "--only-uncovered", help="Only hotspots missing a required suite.")] = False,
        max_matched: Annotated[
            int, typer.Option("--max-matched-scenarios", metavar="N")
        ] = 25,
    ) -> int:
        from fozzy.analysis.map.suites import (
            PROFILES,
            SHRINK_POLICIES,
            SuitesRequest,
            suites_report,
        )

        check_range("--min-risk", min_risk, 0, 100)
        for flag, value, low in (("--limit", limit, 0), ("--offset", offset, 0),
                                 ("--max-matched-scenarios", max_matched, 1)):
            check_range(flag, value, low)
        req = SuitesRequest(
            min_risk=min_risk, profile=choice("--profile", profile, PROFILES),
            shrink_policy=choice("--shrink-policy", shrink_policy, SHRINK_POLICIES),
            limit=limit, offset=offset, all=all_, only_required=only_required,
            only_uncovered=only_uncovered, max_matched=max_matched,
        )
        report = suites_report(_collect(root, scenario_root), req)
        body = [
            f"{'ok ' if s['covered'] else 'GAP'} {s['riskScore']:>3}  {s['hotspotId']}"
            + (f"  missing: {', '.join(s['missingRequiredSuites'])}"
               if s["missingRequiredSuites"] and s["requiredByPolicy"] else "")
            for s in report["suites"]
        ]
        body.append(f"required {report['requiredHotspotCount']}, covered "
                    f"{report['coveredHotspotCount']}, uncovered "
                    f"{report['uncoveredHotspotCount']}")
        _print(report, body)
        return 0

    app.add_typer(group)
