"""Typed methods for the repository-level commands: `map hotspots|services|suites` (risky
source files and the suites covering them) and the CI workflows `gate` and `full`.

List-valued options that the CLI takes as one comma-separated value (`scope`, `skip_steps`,
`required_steps`) accept a sequence of names. `gate`/`full` exit 1 when a step failed: the
report is still the result, as for a failing run."""

from __future__ import annotations

from collections.abc import Sequence

from fozzy.documents_analysis import FullReport, GateReport, MapHotspots, MapServices, MapSuites
from fozzy.sdk.command import Call, command, csv, flags


class WorkflowCommands:
    @command
    def map_hotspots(
        *,
        root: str | None = None,
        scenario_root: str | None = None,
        min_risk: int | None = None,
        limit: int | None = None,
    ) -> Call[MapHotspots]:
        return Call(["map", "hotspots", *flags(
            root=root, scenario_root=scenario_root, min_risk=min_risk, limit=limit)])

    @command
    def map_services(*, root: str | None = None, scenario_root: str | None = None
                     ) -> Call[MapServices]:
        return Call(["map", "services", *flags(root=root, scenario_root=scenario_root)])

    @command
    def map_suites(
        *,
        root: str | None = None,
        scenario_root: str | None = None,
        min_risk: int | None = None,
        profile: str | None = None,
        shrink_policy: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        all_: bool = False,
        only_required: bool = False,
        only_uncovered: bool = False,
        max_matched_scenarios: int | None = None,
    ) -> Call[MapSuites]:
        return Call(["map", "suites", *flags(
            root=root, scenario_root=scenario_root, min_risk=min_risk, profile=profile,
            shrink_policy=shrink_policy, limit=limit, offset=offset, all_=all_,
            only_required=only_required, only_uncovered=only_uncovered,
            max_matched_scenarios=max_matched_scenarios)])

    @command
    def gate(
        *,
        profile: str | None = None,
        scenario_root: str | None = None,
        scope: Sequence[str] | None = None,
        seed: int | str | None = None,
        doctor_runs: int | None = None,
        skip_steps: Sequence[str] | None = None,
        required_steps: Sequence[str] | None = None,
        step_timeout: str | None = None,
    ) -> Call[GateReport]:
        return Call(["gate", *flags(
            profile=profile, scenario_root=scenario_root, scope=csv(scope), seed=seed,
            doctor_runs=doctor_runs, skip_steps=csv(skip_steps),
            required_steps=csv(required_steps), step_timeout=step_timeout)])

    @command
    def full(
        *,
        scenario_root: str | None = None,
        seed: int | str | None = None,
        doctor_runs: int | None = None,
        fuzz_time: str | None = None,
        explore_steps: int | None = None,
        explore_nodes: int | None = None,
        allow_expected_failures: bool = False,
        scenario_filter: str | None = None,
        skip_steps: Sequence[str] | None = None,
        required_steps: Sequence[str] | None = None,
        require_topology_coverage: str | None = None,
        topology_min_risk: int | None = None,
        topology_profile: str | None = None,
        topology_shrink_policy: str | None = None,
        step_timeout: str | None = None,
    ) -> Call[FullReport]:
        """`require_topology_coverage` is the repository root `map suites` must find fully
        covered."""
        return Call(["full", *flags(
            scenario_root=scenario_root, seed=seed, doctor_runs=doctor_runs,
            fuzz_time=fuzz_time, explore_steps=explore_steps, explore_nodes=explore_nodes,
            allow_expected_failures=allow_expected_failures, scenario_filter=scenario_filter,
            skip_steps=csv(skip_steps), required_steps=csv(required_steps),
            require_topology_coverage=require_topology_coverage,
            topology_min_risk=topology_min_risk, topology_profile=topology_profile,
            topology_shrink_policy=topology_shrink_policy, step_timeout=step_timeout)])
