"""The `prepare` phase of `full`: the CLI answers, `init` scaffolds, the map is complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fozzy.workflows.checks import document, failed, passed, tooling
from fozzy.workflows.child import ChildResult, fozzy_argv
from fozzy.workflows.context import Context
from fozzy.workflows.engine import Command, Plan, Skip, Verdict
from fozzy.workflows.surface import fozzy

#: `map suites` page size and evidence cap for the topology step (the reference's values).
TOPOLOGY_LIMIT = 200
TOPOLOGY_MAX_MATCHED = 25
#: The topology child: map's own 30 s budget plus start-up.
TOPOLOGY_TIMEOUT_S = 40.0


@dataclass(frozen=True)
class Topology:
    root: str | None = None  # --require-topology-coverage
    min_risk: int = 60
    profile: str = "pedantic"
    shrink_policy: str = "no_known_failures"


def policy_conflict(topology: Topology, skip: frozenset[str],
                    required: frozenset[str]) -> Callable[[Context], Plan] | None:
    """The row exists only when the policies contradict `--require-topology-coverage`."""
    if topology.root is None:
        return None
    name = "topology_coverage"
    why = ("--required-steps lacks topology_coverage" if required and name not in required
           else "--skip-steps contains topology_coverage" if name in skip else None)
    if why is None:
        return None

    def plan(ctx: Context) -> Plan:
        return _local_failed(f"--require-topology-coverage is set but {why}")
    return plan


def _local_failed(detail: str) -> Plan:
    from fozzy.workflows.engine import Local

    return Local(lambda ctx: failed(detail))


def _usage_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    items = doc.get("items") if doc else None
    if not isinstance(items, list):
        return tooling(r)
    return passed(f"items={len(items)}") if items else failed("usage lists no commands")


def usage(ctx: Context) -> Plan:
    return Command(fozzy(ctx, "usage"), _usage_verdict)


def _version_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    if not doc or not doc.get("version"):
        return tooling(r)
    return passed(f"version={doc['version']}")


def version(ctx: Context) -> Plan:
    return Command(fozzy(ctx, "version"), _version_verdict)


def init(ctx: Context) -> Plan:
    """`fozzy init` into a fresh temp dir through `--cwd`: the child changes its own working
    directory, this process never does."""
    where = tempfile.mkdtemp(prefix="init-", dir=ctx.tmp)

    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        example = os.path.join(where, "tests", "example.fozzy.json")
        if r.returncode != 0:
            return tooling(r)
        if not os.path.isfile(example):
            return failed("init did not write tests/example.fozzy.json")
        return passed("template=rust types=all example=tests/example.fozzy.json")

    argv = fozzy_argv(["--json", "--cwd", where], "init", "--template", "rust", "--with", "all")
    return Command(argv, judge)


def _consistency(doc: dict[str, Any], t: Topology) -> list[str]:
    problems = []
    echoed = {"profile": t.profile, "shrinkPolicy": t.shrink_policy, "baseMinRisk": t.min_risk}
    for key, want in echoed.items():
        if doc.get(key) != want:
            problems.append(f"{key}={doc.get(key)} (asked {want})")
    if doc.get("coveredHotspotCount", 0) + doc.get("uncoveredHotspotCount", 0) != doc.get(
            "requiredHotspotCount"):
        problems.append("covered + uncovered != required")
    if doc.get("returnedSuites") != len(doc.get("suites", [])):
        problems.append("returnedSuites != len(suites)")
    return problems


def topology(t: Topology) -> Callable[[Context], Plan]:
    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        doc = document(r)
        if doc is None or doc.get("status") == "error" or "suites" not in doc:
            return tooling(r)
        problems = _consistency(doc, t)
        if doc["requiredHotspotCount"] == 0:
            problems.append("no hotspot requires suites")
        if doc["uncoveredHotspotCount"]:
            problems.append(f"{doc['uncoveredHotspotCount']} required hotspot(s) uncovered")
        if not doc["returnedSuites"]:
            problems.append("no suites returned")
        problems += [f"warning: {w}" for w in doc.get("warnings", [])]
        detail = (f"required={doc['requiredHotspotCount']} covered="
                  f"{doc['coveredHotspotCount']} uncovered={doc['uncoveredHotspotCount']} "
                  f"warnings={len(doc.get('warnings', []))}")
        return failed(detail + " problems=" + "; ".join(problems)) if problems else passed(
            detail)

    def plan(ctx: Context) -> Plan:
        if t.root is None:
            return Skip("topology coverage not requested",
                        "--require-topology-coverage REPO_ROOT")
        return Command(fozzy(
            ctx, "map", "suites", "--root", t.root, "--scenario-root", ctx.scenario_root,
            "--min-risk", str(t.min_risk), "--profile", t.profile, "--shrink-policy",
            t.shrink_policy.replace("_", "-"), "--limit", str(TOPOLOGY_LIMIT),
            "--max-matched-scenarios", str(TOPOLOGY_MAX_MATCHED)), judge, TOPOLOGY_TIMEOUT_S)
    return plan
