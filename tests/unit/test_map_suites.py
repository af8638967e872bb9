"""`map suites`: profiles, shrink policies, attribution and pagination (spec §6.4)."""

from __future__ import annotations

from pathlib import Path

import orjson

from fozzy.analysis.map.reports import collect
from fozzy.analysis.map.scenarios import Facts, tokenize
from fozzy.analysis.map.score import Hotspot
from fozzy.analysis.map.signals import Signals
from fozzy.analysis.map.suites import (
    SuitesRequest,
    effective_min_risk,
    required_suites,
    suite_entry,
    suites_report,
)


def test_effective_threshold() -> None:
    assert effective_min_risk(60, "balanced") == 75
    assert effective_min_risk(90, "balanced") == 100
    assert effective_min_risk(60, "pedantic") == 55
    assert effective_min_risk(10, "overkill") == 0


def test_required_suites_by_profile_and_policy() -> None:
    quiet = Signals(branch=1)
    assert required_suites(quiet, "balanced", "failure_only", False) == {
        "test_det", "run_record_replay_ci"}
    assert "shrink_exercised" in required_suites(quiet, "pedantic", "exercised_ok", False)
    failing = Signals(failure=1)
    assert "shrink_failure_trace" in required_suites(failing, "balanced", "failure_only", False)
    assert "shrink_failure_trace" not in required_suites(failing, "balanced", "exercised_ok",
                                                         True)
    assert "shrink_failure_trace" not in required_suites(failing, "pedantic",
                                                         "no_known_failures", False)
    assert "shrink_failure_trace" in required_suites(failing, "pedantic", "no_known_failures",
                                                     True)
    assert len(required_suites(quiet, "overkill", "failure_only", False)) == 8


def _facts(path: str, **flags: bool) -> Facts:
    return Facts(path, path, frozenset(tokenize(path)), **flags)


def test_attribution_needs_shared_tokens_beyond_baseline() -> None:
    h = Hotspot("src:src/billing/ledger.py", "src", "src/billing/ledger.py", 80, (),
                Signals(concurrency=2))
    about = _facts("ledger-explore.fozzy.json", explore=True)
    other = _facts("checkout-explore.fozzy.json", explore=True)
    entry = suite_entry(h, [about, other], SuitesRequest(), 55, False)
    by_suite = {e["suite"]: e["matchedScenarios"] for e in entry["coverageEvidence"]}
    assert by_suite["test_det"] == [about.path, other.path]
    assert by_suite["explore_schedule_faults"] == [about.path]
    assert "ledger" in entry["coverageEvidence"][-1]["reason"]
    assert entry["requiredByPolicy"] and not entry["covered"]
    assert "host_backends_run" not in entry["missingRequiredSuites"]


def test_matched_scenarios_are_capped() -> None:
    h = Hotspot("a:a.py", "a.py", "a.py", 10, (), Signals(branch=10))
    facts = [_facts(f"s{i}.fozzy.json") for i in range(5)]
    entry = suite_entry(h, facts, SuitesRequest(max_matched=2), 55, False)
    assert entry["coverageEvidence"][0]["matchedScenarios"][-1] == "... 3 more scenario(s) omitted"
    assert not entry["requiredByPolicy"] and entry["covered"] and entry["whyRequired"] == []


def test_pagination_and_filters(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"m{i}.py").write_text("import threading\n" + "threading.Lock()\n" * (i + 1))
    (tmp_path / "s.fozzy.json").write_bytes(orjson.dumps(
        {"version": 1, "name": "s", "steps": [{"type": "sleep", "duration": "1ms"}]}))
    m = collect(str(tmp_path), str(tmp_path))
    page = suites_report(m, SuitesRequest(min_risk=0, limit=2, offset=1))
    assert (page["totalSuites"], page["returnedSuites"], page["truncated"]) == (5, 2, True)
    assert [s["path"] for s in page["suites"]] == ["m3.py", "m2.py"]
    every = suites_report(m, SuitesRequest(min_risk=0, limit=1, offset=3, all=True))
    assert (every["offset"], every["limit"], every["returnedSuites"]) == (0, 5, 5)
    assert not every["truncated"]
    uncovered = suites_report(m, SuitesRequest(min_risk=0, only_uncovered=True))
    assert uncovered["totalSuites"] == uncovered["uncoveredHotspotCount"] == 5
    assert uncovered["requiredHotspotCount"] == 5
    high = suites_report(m, SuitesRequest(min_risk=40, only_required=True))
    assert all(s["riskScore"] >= high["effectiveMinRisk"] for s in high["suites"])
    assert high["totalSuites"] == high["requiredHotspotCount"]
