"""`map suites` (spec §6.4): which fozzy suites each hotspot needs, and which scenarios give them.

A hotspot needs suites by profile (`balanced` < `pedantic` < `overkill`); a scenario is evidence
for a suite when its facts carry the suite's signal (a fuzz-named scenario for `fuzz_inputs`,
host steps for `host_backends_run`, …) and its tokens share enough with the hotspot's path to
be about it. The baseline suites (`test_det`, `run_record_replay_ci`) accept any runnable
scenario, as in the reference. Only scenarios that passed fozzy's validator are facts
(`scenarios.py`), so an invalid file can never make a hotspot look covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fozzy.analysis.map.degraded import degraded_fields
from fozzy.analysis.map.reports import MapInput
from fozzy.analysis.map.scenarios import Facts, tokenize
from fozzy.analysis.map.score import BASELINE_SUITES, SUITES, Hotspot, ordered, signal_suites
from fozzy.analysis.map.signals import Signals

SCHEMA = "fozzy.map_suites.v5"
PROFILES = ("balanced", "pedantic", "overkill")
SHRINK_POLICIES = ("failure_only", "exercised_ok", "no_known_failures")
#: Shared tokens quoted in one evidence reason.
MAX_REASON_TOKENS = 6
#: Tokens too common in paths and scenario names to tie a scenario to a hotspot.
GENERIC_TOKENS = frozenset((
    "app", "apps", "artifact", "artifacts", "bin", "ci", "cli", "cmd", "config", "crate",
    "crates", "dist", "engine", "example", "examples", "explore", "fail", "file", "files", "fuzz",
    "host", "json", "main", "memory", "mode", "modes", "module", "modules", "package", "packages",
    "pass", "proc", "replay", "root", "run", "scenario", "scenarios", "service", "services",
    "shrink", "src", "test", "tests", "timeout", "trace",
))
#: Which scenario fact makes it a candidate for a suite (None: any runnable scenario).
SUITE_FACT: dict[str, str | None] = {
    "test_det": None, "run_record_replay_ci": None, "fuzz_inputs": "fuzz",
    "explore_schedule_faults": "explore", "host_backends_run": "host",
    "memory_graph_diff_top": "memory", "shrink_exercised": "shrink",
    "shrink_failure_trace": "shrink+failure",
}


@dataclass(frozen=True)
class SuitesRequest:
    min_risk: int = 60
    profile: str = "pedantic"
    shrink_policy: str = "no_known_failures"
    limit: int = 100
    offset: int = 0
    all: bool = False
    only_required: bool = False
    only_uncovered: bool = False
    max_matched: int = 25


def effective_min_risk(base: int, profile: str) -> int:
    if profile == "balanced":
        return min(base + 15, 100)
    return max(base - (5 if profile == "pedantic" else 15), 0)


def _profile_suites(s: Signals, profile: str) -> tuple[set[str], bool]:
    """(required suites, whether the hotspot is a shrink-failure candidate)."""
    if profile == "overkill":
        return set(SUITES) - {"shrink_failure_trace"}, True
    req: set[str] = set(BASELINE_SUITES)
    if profile == "balanced":
        rules = (("explore_schedule_faults", s.concurrency > 0),
                 ("host_backends_run", s.external > 0), ("memory_graph_diff_top", s.memory > 2),
                 ("fuzz_inputs", s.branch > 20),
                 ("shrink_exercised", s.failure > 0 or s.branch > 25))
    else:
        rules = (("explore_schedule_faults", s.concurrency > 0 or s.failure >= 4),
                 ("host_backends_run", s.external > 0 or s.entrypoint > 0),
                 ("memory_graph_diff_top", s.memory > 0),
                 ("fuzz_inputs", s.branch > 6 or s.failure > 0), ("shrink_exercised", True))
    req |= {suite for suite, needed in rules if needed}
    return req, s.failure > 0


def required_suites(s: Signals, profile: str, policy: str, known_failures: bool) -> set[str]:
    req, candidate = _profile_suites(s, profile)
    if candidate:
        req.add("shrink_exercised")
        if policy == "failure_only" or (policy == "no_known_failures" and known_failures):
            req.add("shrink_failure_trace")
    return req


def _candidate(f: Facts, suite: str) -> bool:
    need = SUITE_FACT[suite]
    if need is None:
        return True
    if need == "shrink+failure":
        return f.shrink and f.failure
    return bool(getattr(f, need))


def hints(h: Hotspot) -> list[str]:
    stem = h.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    raw = {h.component, h.path, stem.replace(".", "-"), stem.replace(".", "_")}
    return sorted(x.lower() for x in raw if len(x) >= 3)


def _attributed(suite: str, tokens: set[str], stems: set[str], f: Facts) -> list[str] | None:
    """Shared tokens if `f` is about the hotspot (empty for the baseline suites), else None."""
    shared = sorted(tokens & f.tokens)
    if suite in BASELINE_SUITES or len(shared) >= 2:
        return shared
    if any(len(t) >= 4 and t not in GENERIC_TOKENS for t in shared):
        return shared
    if any(len(x) == 3 and x not in GENERIC_TOKENS and x in f.tokens for x in stems):
        return shared
    return None


def _evidence(h: Hotspot, facts: list[Facts], max_matched: int) -> list[dict[str, Any]]:
    hint_list = hints(h)
    tokens: set[str] = set().union(*(tokenize(x) for x in hint_list))
    stems = {x for x in hint_list if x.isalnum()}
    out = []
    for suite in SUITES:
        matched: list[str] = []
        shared: set[str] = set()
        for f in facts:
            if _candidate(f, suite):
                got = _attributed(suite, tokens, stems, f)
                if got is not None:
                    matched.append(f.path)
                    shared.update(got)
        if not matched:
            continue
        if len(matched) > max_matched:
            rest = len(matched) - max_matched
            matched = [*matched[:max_matched], f"... {rest} more scenario(s) omitted"]
        reason = "suite signal matched"
        if shared:
            reason += "; shared tokens: " + ", ".join(sorted(shared)[:MAX_REASON_TOKENS])
        out.append({"suite": suite, "matchedScenarios": matched, "reason": reason})
    return out


def _why(h: Hotspot, threshold: int) -> list[str]:
    s = h.signals
    why = [f"risk {h.risk} >= {threshold}"]
    for cond, text in ((s.concurrency > 0, "concurrency hotspot"),
                       (s.external > 0, "external side-effects"),
                       (s.failure > 0, "failure/retry/timeout behaviour"),
                       (s.memory > 0, "memory behaviour")):
        if cond:
            why.append(text)
    return why


def suite_entry(h: Hotspot, facts: list[Facts], req: SuitesRequest, threshold: int,
                known_failures: bool) -> dict[str, Any]:
    required = required_suites(h.signals, req.profile, req.shrink_policy, known_failures)
    by_policy = h.risk >= threshold
    evidence = _evidence(h, facts, req.max_matched)
    covered_suites = {e["suite"] for e in evidence}
    missing = ordered(required - covered_suites)
    return {
        "hotspotId": h.id, "component": h.component, "path": h.path, "riskScore": h.risk,
        "requiredByPolicy": by_policy, "covered": not by_policy or not missing,
        "coverageHints": hints(h), "requiredSuites": ordered(required),
        "coveredSuites": ordered(covered_suites), "coverageEvidence": evidence,
        "missingRequiredSuites": missing, "whyRequired": _why(h, threshold) if by_policy else [],
        "reasons": list(h.reasons),
        "recommendedSuites": ordered(required | signal_suites(h.signals)),
    }


def suites_report(m: MapInput, req: SuitesRequest) -> dict[str, Any]:
    threshold = effective_min_risk(req.min_risk, req.profile)
    facts = m.scenarios.facts
    known = any(f.shrink and f.failure for f in facts)
    entries = [suite_entry(h, facts, req, threshold, known) for h in m.hotspots]
    required = [e for e in entries if e["requiredByPolicy"]]
    covered = sum(1 for e in required if e["covered"])
    chosen = [e for e in entries
              if (not req.only_required or e["requiredByPolicy"])
              and (not req.only_uncovered or not e["covered"])]
    offset, limit = (0, len(chosen)) if req.all else (req.offset, req.limit)
    page = chosen[offset:offset + limit]
    return {
        "schemaVersion": SCHEMA, "root": m.scan.root, "scenarioRoot": m.scenarios.root,
        "scannedFiles": m.scan.scanned, "profile": req.profile, "shrinkPolicy": req.shrink_policy,
        "baseMinRisk": req.min_risk, "effectiveMinRisk": threshold,
        "scenarioCount": len(facts), **degraded_fields(m.scan, m.scenarios),
        "requiredHotspotCount": len(required), "coveredHotspotCount": covered,
        "uncoveredHotspotCount": len(required) - covered, "totalSuites": len(chosen),
        "returnedSuites": len(page), "offset": offset, "limit": limit,
        "truncated": offset + len(page) < len(chosen), "suites": page,
    }
