"""Summaries, manifests, renderers, the alias index and the finalizer's run directory."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import multiprocess
import orjson
import pytest
from junitparser import JUnitXml

from fozzy.artifacts import aliases
from fozzy.artifacts.junit import junit_xml
from fozzy.artifacts.render import pretty_text, report_html, seconds
from fozzy.artifacts.summary import (
    build_manifest,
    build_summary,
    collapse_findings,
    duration_ms,
    rfc3339,
    strict_violation,
)
from fozzy.executor.finalize import ArtifactOptions, Execution, finalize

NS = 1_000_000
T0 = 1_772_446_530_412_000_000  # 2026-03-02T10:15:30.412Z


def f(kind: str, title: str, message: str, **loc: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind, "title": title, "message": message}
    if loc:
        out["location"] = loc
    return out


def summary(**kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "status": "pass", "mode": "run", "run_id": "r-1", "seed": 7, "started_ns": T0,
        "wall_ns": 3 * NS,
    }
    args.update(kw)
    return build_summary(**args)


def test_timestamps_and_durations() -> None:
    assert rfc3339(T0) == "2026-03-02T10:15:30.412Z"
    assert rfc3339(T0 - 412 * NS) == "2026-03-02T10:15:30Z"
    assert [duration_ms(n) for n in (0, 1, NS, NS + 1)] == [0, 1, 1, 2]


def test_summary_members_in_order_and_optional_ones_omitted() -> None:
    s = summary(
        status="fail", wall_ns=2_500_001, virtual_ms=3000, report_path="/b/r.json",
        artifacts_dir="/b", memory={"allocCount": 1}, findings=[f("assertion", "a", "m")],
    )
    assert list(s) == [
        "status", "mode", "identity", "startedAt", "finishedAt", "durationMs", "durationNs",
        "virtualMs", "memory", "findings",
    ]
    assert list(s["identity"]) == ["runId", "seed", "reportPath", "artifactsDir"]
    assert (s["durationMs"], s["durationNs"]) == (3, 2_500_001)
    assert s["finishedAt"] == "2026-03-02T10:15:30.414Z"
    bare = summary()
    assert list(bare) == [
        "status", "mode", "identity", "startedAt", "finishedAt", "durationMs", "durationNs"
    ]
    with pytest.raises(ValueError):
        summary(status="weird")


def test_manifest_mirrors_the_summary() -> None:
    s = summary(
        trace_path="/t.fozzy", report_path="/b/report.json", artifacts_dir="/b",
        tests={"passed": 2, "failed": 1, "skipped": 0}, virtual_ms=5,
        memory={"allocCount": 1, "freeCount": 0, "failedAllocCount": 0, "inUseBytes": 8,
                "peakBytes": 9, "leakedBytes": 8, "leakedAllocs": 1},
        findings=[f("checker", "memory_leak", "leak")], mode="test",
    )
    m = build_manifest(s)
    assert m["schemaVersion"] == "fozzy.run_manifest.v1"
    assert (m["runId"], m["mode"], m["status"], m["seed"]) == ("r-1", "test", "pass", 7)
    assert (m["tracePath"], m["reportPath"], m["artifactsDir"]) == ("/t.fozzy", "/b/report.json",
                                                                   "/b")
    assert (m["testsPassed"], m["testsFailed"], m["testsSkipped"]) == (2, 1, 0)
    assert (m["memoryLeakedBytes"], m["memoryLeakedAllocs"], m["memoryPeakBytes"]) == (8, 1, 9)
    assert m["findingsCount"] == 1 and m["virtualMs"] == 5
    assert m["durationNs"] == s["durationNs"]


def test_collapse_merges_counts_and_sorts_by_kind_order() -> None:
    out = collapse_findings([
        f("checker", "z", "w"), f("assertion", "b", "x"), f("assertion", "b", "x"),
        f("assertion", "b", "x", file="a.json"), f("hang", "timeout", "t"),
    ])
    assert [(x["kind"], x["message"]) for x in out] == [
        ("assertion", "x (repeated 2 times)"), ("assertion", "x"), ("hang", "t"), ("checker", "w")
    ]


def test_strict_violation_only_for_passing_runs_with_checker_findings() -> None:
    warn = [f("checker", "a", "one"), f("assertion", "b", "no"), f("checker", "c", "two")]
    assert strict_violation(summary(findings=warn)) == (
        "strict mode: run contains warning findings: one; two"
    )
    assert strict_violation(summary(status="fail", findings=warn)) is None
    assert strict_violation(summary(findings=[f("assertion", "b", "no")])) is None


def test_junit_single_run_layout() -> None:
    s = summary(status="fail", wall_ns=12 * NS, findings=[
        f("assertion", "assert_eq_int", "a < b & \"c\""), f("hang", "timeout", "t")
    ])
    text = junit_xml(s)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text)
    assert root.tag == "testsuite"
    assert (root.get("tests"), root.get("failures"), root.get("time")) == ("2", "1", "0.012")
    [suite] = list(JUnitXml.fromstring(text))
    cases = list(suite)
    assert [c.name for c in cases] == ["finding_0", "finding_1"]
    assert cases[0].result[0].message == 'a < b & "c"'
    assert cases[0].result[0].type == "assert_eq_int"
    assert cases[0].result[0].text == '[assertion] assert_eq_int: a < b & "c"'
    clean = ET.fromstring(junit_xml(summary()))
    assert [c.get("name") for c in clean] == ["r-1"]
    assert (clean.get("tests"), clean.get("failures")) == ("1", "0")


def test_junit_lists_one_testcase_per_scenario_when_given() -> None:
    s = summary(mode="test", scenarios=[
        {"path": "a.fozzy.json", "seed": 1, "status": "pass", "durationMs": 4, "findings": []},
        {"path": "b.fozzy.json", "seed": 2, "status": "timeout", "durationMs": 1500,
         "findings": [f("hang", "timeout", "scenario timed out")]},
        {"path": "c.fozzy.json", "seed": 3, "status": "skipped", "findings": []},
    ])
    text = junit_xml(s)
    root = ET.fromstring(text)
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    [suite] = list(JUnitXml.fromstring(text))
    cases = {c.name: c for c in suite}
    assert cases["b.fozzy.json"].time == 1.5
    assert "[hang] timeout" in cases["b.fozzy.json"].result[0].text
    assert seconds(0) == "0" and seconds(1000) == "1"


def test_html_is_escaped_and_deterministic() -> None:
    s = summary(findings=[f("input_invalid", "<t>", "a&b")])
    page = report_html(s)
    assert page == report_html(dict(s))
    assert "<title>fozzy report</title>" in page
    assert "status: Pass" in page
    assert "<li>InputInvalid: &lt;t&gt;: a&amp;b</li>" in page
    assert "<li>no findings</li>" in report_html(summary())


def test_pretty_block_lines_and_colour_switch() -> None:
    s = summary(status="timeout", virtual_ms=2000, trace_path="/x/t.fozzy",
                report_path="/x/r.json", artifacts_dir="/x",
                findings=[f("hang", "timeout", "scenario [timed] out")])
    plain = pretty_text(s, color=False)
    assert "\x1b[" not in plain
    assert plain.splitlines() == [
        "fozzy run TIMEOUT", "run r-1", "seed 7", "duration 3ms", "virtual 2000ms",
        "trace /x/t.fozzy", "report /x/r.json", "artifacts /x", "findings",
        "  - [hang] timeout: scenario [timed] out",
    ]
    assert "\x1b[" in pretty_text(s, color=True)


# -- alias index ---------------------------------------------------------------------------

def entry(base: Path, run_id: str, finished: str, status: str = "pass") -> dict[str, str]:
    d = base / "runs" / run_id
    d.mkdir(parents=True, exist_ok=True)
    return {"runId": run_id, "status": status, "finishedAt": finished, "artifactsDir": str(d)}


def test_index_sorts_by_instant_not_by_string(tmp_path: Path) -> None:
    aliases.record_run(tmp_path, entry(tmp_path, "a", "2026-03-02T10:15:30.5Z"))
    aliases.record_run(tmp_path, entry(tmp_path, "b", "2026-03-02T10:15:30.41Z"))
    aliases.record_run(tmp_path, entry(tmp_path, "c", "2026-03-02T10:15:30Z"))
    # As strings "30.41Z" > "30.5Z" > "30Z"; as instants a is newest.
    assert [e["runId"] for e in aliases.read_index(tmp_path)] == ["a", "b", "c"]
    doc = orjson.loads((tmp_path / "run-alias-index.json").read_bytes())
    assert doc["schemaVersion"] == "fozzy.run_alias_index.v1"


def test_index_replaces_same_run_and_drops_vanished_dirs(tmp_path: Path) -> None:
    aliases.record_run(tmp_path, entry(tmp_path, "a", "2026-01-01T00:00:01Z"))
    gone = entry(tmp_path, "b", "2026-01-01T00:00:02Z")
    aliases.record_run(tmp_path, gone)
    os.rmdir(gone["artifactsDir"])
    aliases.record_run(tmp_path, entry(tmp_path, "a", "2026-01-01T00:00:03Z", "fail"))
    assert [(e["runId"], e["status"]) for e in aliases.read_index(tmp_path)] == [("a", "fail")]


def test_index_keeps_only_runs_whose_directory_exists_in_runs_or_elsewhere(tmp_path: Path
                                                                          ) -> None:
    aliases.record_run(tmp_path, entry(tmp_path, "kept", "2026-01-01T00:00:01Z"))
    file_now = entry(tmp_path, "file", "2026-01-01T00:00:02Z")
    aliases.record_run(tmp_path, file_now)
    os.rmdir(file_now["artifactsDir"])
    Path(file_now["artifactsDir"]).write_text("not a run directory")
    outside = tmp_path / "elsewhere" / "out"
    outside.mkdir(parents=True)
    aliases.record_run(tmp_path, {**entry(tmp_path, "out", "2026-01-01T00:00:03Z"),
                                  "artifactsDir": str(outside)})
    lost = tmp_path / "elsewhere" / "lost"
    lost.mkdir()
    aliases.record_run(tmp_path, {**entry(tmp_path, "lost", "2026-01-01T00:00:04Z"),
                                  "artifactsDir": str(lost)})
    lost.rmdir()
    aliases.record_run(tmp_path, entry(tmp_path, "last", "2026-01-01T00:00:05Z"))
    assert [e["runId"] for e in aliases.read_index(tmp_path)] == ["last", "out", "kept"]


def _write_report(base: Path, run_id: str, finished: str, status: str) -> None:
    d = base / "runs" / run_id
    d.mkdir(parents=True)
    s = {"status": status, "mode": "run", "identity": {"runId": run_id, "seed": 1},
         "finishedAt": finished}
    (d / "report.json").write_bytes(orjson.dumps(s))


def test_unreadable_index_is_rebuilt_from_runs(tmp_path: Path) -> None:
    _write_report(tmp_path, "old", "2026-01-01T00:00:01Z", "pass")
    _write_report(tmp_path, "new", "2026-01-01T00:00:02Z", "fail")
    (tmp_path / "runs" / "junk").mkdir()
    (tmp_path / "run-alias-index.json").write_text("{not json")
    assert [e["runId"] for e in aliases.read_index(tmp_path)] == ["new", "old"]
    # The rebuilt index was written back, and updates keep the older runs.
    aliases.record_run(tmp_path, entry(tmp_path, "newest", "2026-01-01T00:00:03Z"))
    assert [e["runId"] for e in aliases.read_index(tmp_path)] == ["newest", "new", "old"]


def _hammer(base: str, worker: int) -> None:
    for i in range(10):
        stamp = f"2026-01-01T00:00:{i:02d}Z"
        aliases.record_run(Path(base), entry(Path(base), f"w{worker}-{i}", stamp))


def test_concurrent_updates_lose_nothing(tmp_path: Path) -> None:
    ctx = multiprocess.get_context("fork")
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), w)) for w in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(aliases.read_index(tmp_path)) == 60


# -- finalize ------------------------------------------------------------------------------

MEMORY_REPORT = {
    "schemaVersion": "fozzy.memory_report.v1",
    "options": {"track": True, "fail_on_leak": False, "artifacts": True},
    "summary": {"allocCount": 1, "freeCount": 0, "failedAllocCount": 0, "inUseBytes": 8,
                "peakBytes": 8, "leakedBytes": 8, "leakedAllocs": 1},
    "leaks": [{"allocId": 1, "bytes": 8, "callsiteHash": "h"}],
    "timeline": [{"index": 0, "timeMs": 0, "kind": "alloc", "fields": {}}],
    "graph": {"nodes": [{"id": "alloc:1", "kind": "alloc", "label": "1"}], "edges": []},
}
EVENTS = [{"time_ms": 0, "name": "setup", "fields": {}}]


def execution(status: str, **kw: Any) -> Execution:
    return Execution(mode="run", seed=9, status=status, started_ns=T0, wall_ns=NS,
                     events=EVENTS, virtual_ms=0, **kw)


def test_passing_run_writes_only_report_and_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FOZZY_ARTIFACTS_FULL", raising=False)
    monkeypatch.chdir(tmp_path)
    done = finalize(execution("pass"), ".fozzy", ArtifactOptions())
    assert sorted(p.name for p in done.run_dir.iterdir()) == ["manifest.json", "report.json"]
    ident = done.summary["identity"]
    assert ident["artifactsDir"] == str(tmp_path / ".fozzy" / "runs" / ident["runId"])
    assert ident["reportPath"] == ident["artifactsDir"] + "/report.json"
    assert orjson.loads((done.run_dir / "report.json").read_bytes()) == done.summary
    assert b"\n" not in (done.run_dir / "report.json").read_bytes()
    manifest = (done.run_dir / "manifest.json").read_text()
    assert manifest.startswith("{\n  ")
    [indexed] = aliases.read_index(tmp_path / ".fozzy")
    assert indexed["runId"] == ident["runId"]


def test_failing_run_writes_heavy_memory_and_reporter_files(tmp_path: Path) -> None:
    done = finalize(
        execution("fail", memory_report=MEMORY_REPORT, findings=[f("assertion", "a", "b")]),
        tmp_path,
        ArtifactOptions(reporter="junit"),
    )
    names = sorted(p.name for p in done.run_dir.iterdir())
    assert names == [
        "events.json", "junit.xml", "manifest.json", "memory.graph.json", "memory.leaks.json",
        "memory.timeline.json", "report.json", "timeline.json",
    ]
    assert orjson.loads((done.run_dir / "events.json").read_bytes()) == EVENTS
    assert orjson.loads((done.run_dir / "timeline.json").read_bytes()) == [
        {"index": 0, "time_ms": 0, "name": "setup", "fields": {}}
    ]
    assert orjson.loads((done.run_dir / "memory.leaks.json").read_bytes()) == (
        MEMORY_REPORT["leaks"]
    )
    assert done.summary["memory"]["leakedBytes"] == 8
    assert (done.run_dir / "junit.xml").read_text() == junit_xml(done.summary)


def test_full_artifacts_env_forces_heavy_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOZZY_ARTIFACTS_FULL", "TRUE")
    done = finalize(execution("pass"), tmp_path, ArtifactOptions(reporter="html"))
    names = sorted(p.name for p in done.run_dir.iterdir())
    assert names == ["events.json", "manifest.json", "report.html", "report.json",
                     "timeline.json"]


class RecordingWriter:
    """A TraceWriter stand-in that records what the finalizer hands it."""

    def __init__(self, target: Path | None, requested: bool) -> None:
        self._target = target
        self._requested = requested
        self.calls: list[tuple[Path, dict[str, Any]]] = []

    @property
    def requested(self) -> bool:
        return self._requested

    def target(self, run_dir: Path, status: str) -> Path | None:
        return self._target

    def write(self, path: Path, summary: dict[str, Any], execution: Execution) -> None:
        path.write_text("trace")
        self.calls.append((path, summary))


def test_trace_writer_gets_the_final_summary_and_makes_the_run_heavy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    writer = RecordingWriter(Path("out/../rec.fozzy"), requested=True)
    done = finalize(execution("pass"), tmp_path / "base", ArtifactOptions(), trace=writer)
    [(path, embedded)] = writer.calls
    assert path == tmp_path / "rec.fozzy"
    assert embedded == done.summary
    assert done.summary["identity"]["tracePath"] == str(tmp_path / "rec.fozzy")
    assert (done.run_dir / "events.json").exists()
    manifest = orjson.loads((done.run_dir / "manifest.json").read_bytes())
    assert manifest["tracePath"] == str(tmp_path / "rec.fozzy")
