"""A recorded run diffed against its own replay (same scenario, same seed) is `stable`.

Regression: a passing replay keeps no `events.json`, and `profile diff` used to read the
missing event stream as a run without events, so latency went 15 → 0 and sched/heap counts
dropped: an "improvement" that was only missing data.
"""

from __future__ import annotations

from pathlib import Path

from tests.cli.clikit import ok_json, scenario

STEPS = [
    {"type": "memory_alloc", "bytes": 4096, "key": "a"},
    {"type": "sleep", "duration": "15ms"},
    {"type": "memory_free", "key": "a"},
]
EVENT_DOMAINS = ["heap", "latency", "io", "sched"]


def _recorded(tmp_path: Path) -> str:
    ok_json(tmp_path, "run", scenario(tmp_path, "s", STEPS), "--det", "--seed", "7",
            "--record", "t.fozzy")
    return str(tmp_path / "t.fozzy")


def test_trace_against_its_plain_replay_is_stable_and_says_what_it_could_not_compare(
        tmp_path: Path) -> None:
    trace = _recorded(tmp_path)
    replay = ok_json(tmp_path, "replay", trace)["identity"]["runId"]
    diff = ok_json(tmp_path, "profile", "diff", trace, replay)
    assert diff["summary"]["verdict"] == "stable"
    assert [r["domain"] for r in diff["notCompared"]] == EVENT_DOMAINS
    assert all(r["runs"] == [replay] for r in diff["notCompared"])
    assert not {r["domain"] for r in diff["rows"]} & set(EVENT_DOMAINS)
    assert all(p["domain"] == "cpu" for p in diff["shiftedPaths"])


def test_trace_against_its_captured_replay_compares_every_domain_and_is_stable(
        tmp_path: Path) -> None:
    trace = _recorded(tmp_path)
    replay = ok_json(tmp_path, "replay", trace, "--profile-capture", "full")
    diff = ok_json(tmp_path, "profile", "diff", trace, replay["identity"]["runId"])
    assert diff["summary"]["verdict"] == "stable"
    assert diff["notCompared"] == []
    rows = {r["metric"]: r for r in diff["rows"]}
    assert rows["max_latency_ms"]["left"] == rows["max_latency_ms"]["right"] == 15
    assert rows["alloc_bytes"]["left"] == rows["alloc_bytes"]["right"] == 4096
    assert all(r["classification"] == "stable" for r in diff["rows"])
