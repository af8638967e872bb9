"""Reading rules (§4.7) and the verify verdict (§2.5): every bad trace is a clear TraceError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from fozzy.errors import TraceError
from fozzy.trace import checksum as ck
from fozzy.trace.model import build_trace
from fozzy.trace.reader import inspect, read_trace
from fozzy.trace.verify import verify_trace


def doc(**over: Any) -> dict[str, Any]:
    d = build_trace(
        mode="run", scenario_path="s.fozzy.json",
        scenario={"version": 1, "name": "x", "steps": [{"type": "rand_u64", "key": None}]},
        decisions=[{"kind": "scheduler_pick", "task_id": 1, "label": "rand_u64"},
                   {"kind": "rand_u64", "value": (1 << 64) - 1}],
        events=[{"time_ms": 0, "name": "sched_pick",
                 "fields": {"step_index": 0, "step_kind": "rand_u64", "task_id": 1}}],
        summary={"status": "pass", "mode": "run", "identity": {"runId": "r", "seed": 3}},
    )
    d.update(over)
    return d


def sealed(tmp_path: Path, d: dict[str, Any], name: str = "t.fozzy") -> Path:
    p = tmp_path / name
    p.write_bytes(ck.seal(d)[0])
    return p


def unsealed(tmp_path: Path, d: dict[str, Any], name: str = "t.fozzy") -> Path:
    p = tmp_path / name
    p.write_bytes(orjson.dumps(d))
    return p


def test_round_trip_keeps_u64_values_and_order(tmp_path: Path) -> None:
    path, d = read_trace(sealed(tmp_path, doc()))
    assert path == tmp_path / "t.fozzy"
    assert d["decisions"][1]["value"] == (1 << 64) - 1
    assert list(d)[:6] == ["format", "version", "engine", "mode", "scenario_path", "scenario"]
    assert verify_trace(path, strict=True) == {
        "ok": True, "path": str(path), "version": 4,
        "checksumPresent": True, "checksumValid": True,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"not json", "failed to parse trace"),
        (b"[1, 2]", "top level is not a JSON object"),
        (b'{"format":"fozzy-trace","version":4', "truncated"),
        (b'{"format":"other","version":4}', "unsupported trace format 'other'"),
        (b'{"version":4}', "unsupported trace format missing"),
        (b'{"format":"fozzy-trace","version":5}', "unsupported trace schema version 5"),
        (b'{"format":"fozzy-trace","version":0}', "(supported: 1..=4)"),
        (b'{"format":"fozzy-trace","version":"4"}', "unsupported trace schema version '4'"),
        (b'{"format":"fozzy-trace","version":4,"events":[]}',
         "missing required member 'decisions'"),
        (b'{"format":"fozzy-trace","version":4,"decisions":[],"events":[{"time_ms":"x"}]}',
         "$.events[0].time_ms"),
        (b'{"format":"fozzy-trace","version":4,"decisions":[{"value":1}],"events":[]}',
         "`kind`"),
        (b'{"format":"fozzy-trace","version":4,"decisions":[],"events":[],'
         b'"summary":{"status":"great","mode":"run","identity":{"seed":1}}}',
         "$.summary.status"),
        (b'{"format":"fozzy-trace","version":4,"decisions":[],"events":[],'
         b'"scenario":{"version":1,"name":"s","steps":[{"type":"fail"},"fail"]}}',
         "$.scenario.steps[1]"),
    ],
)
def test_bad_traces_are_trace_errors(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.fozzy"
    p.write_bytes(content)
    for strict in (True, False):
        with pytest.raises(TraceError) as e:
            verify_trace(p, strict=strict)
        assert message in e.value.message
        assert e.value.render().startswith("trace error: ")
    with pytest.raises(TraceError):
        read_trace(p)


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="No such file"):
        read_trace(tmp_path / "missing.fozzy")
    with pytest.raises(TraceError, match="is a directory"):
        read_trace(tmp_path)


def test_checksum_mismatch_is_an_error_for_every_reader(tmp_path: Path) -> None:
    p = sealed(tmp_path, doc())
    d = orjson.loads(p.read_bytes())
    d["summary"]["status"] = "fail"
    p.write_bytes(orjson.dumps(d))
    with pytest.raises(TraceError, match=r"trace checksum mismatch for .*\(expected [0-9a-f]{64}"):
        read_trace(p)
    report = verify_trace(p, strict=False)
    assert report["ok"] is False and report["checksumPresent"] and not report["checksumValid"]
    with pytest.raises(TraceError, match=r"integrity policy \(checksum invalid\)"):
        verify_trace(p, strict=True)


def test_missing_or_null_checksum_is_accepted_by_readers_not_by_strict_verify(
    tmp_path: Path,
) -> None:
    for content in (doc(), {**doc(), "checksum": None}):
        p = unsealed(tmp_path, content)
        assert read_trace(p)[1]["summary"]["identity"]["seed"] == 3
        report = verify_trace(p, strict=False)
        assert (report["ok"], report["checksumPresent"], report["checksumValid"]) == (
            False, False, False)
        with pytest.raises(TraceError, match=r"\(checksum missing, checksum invalid\)"):
            verify_trace(p, strict=True)


def test_malformed_checksum_value_is_present_but_invalid(tmp_path: Path) -> None:
    p = unsealed(tmp_path, {**doc(), "checksum": "ABC"})
    info = inspect(p)
    assert info.checksum_present and not info.checksum_valid
    with pytest.raises(TraceError, match="expected ABC"):
        read_trace(p)


def test_unknown_members_are_ignored_but_covered_by_the_checksum(tmp_path: Path) -> None:
    p = sealed(tmp_path, {**doc(), "extra": {"note": 1}})
    assert verify_trace(p, strict=True)["ok"]
    p.write_bytes(p.read_bytes().replace(b'"note":1', b'"note":2'))
    with pytest.raises(TraceError, match="checksum mismatch"):
        read_trace(p)


def test_old_schema_versions_read_with_a_stale_warning(tmp_path: Path) -> None:
    p = sealed(tmp_path, doc(version=2))
    assert read_trace(p)[1]["version"] == 2
    report = verify_trace(p, strict=False)
    assert report["ok"] is False
    assert report["warnings"] == ["trace schema v2 is stale; current schema is v4"]
    with pytest.raises(TraceError, match="warnings: trace schema v2 is stale"):
        verify_trace(p, strict=True)


def host_event(name: str, backend: str) -> dict[str, Any]:
    return {"time_ms": 0, "name": name, "fields": {"backend": backend, "path": "/x"}}


def test_host_backend_without_recorded_decisions_warns(tmp_path: Path) -> None:
    events = [host_event("capability_fs", "host"), host_event("http_request", "host"),
              host_event("proc_spawn", "scripted")]
    p = sealed(tmp_path, doc(events=events))
    report = verify_trace(p, strict=False)
    assert report["warnings"] == [
        "trace used host fs backend but does not include fs decisions; replay may drift",
        "trace used host http backend but does not include http decisions; replay may drift",
    ]
    decisions = doc()["decisions"] + [
        {"kind": "fs_write", "path": "/x", "data_hex": "", "duration_ms": 0},
        {"kind": "http_request_timeout", "method": "GET", "path": "/", "duration_ms": 5},
    ]
    p = sealed(tmp_path, doc(events=events, decisions=decisions))
    assert "warnings" not in verify_trace(p, strict=True)


def test_host_string_elsewhere_does_not_warn(tmp_path: Path) -> None:
    events = [{"time_ms": 0, "name": "note", "fields": {"backend": "host"}}]
    p = sealed(tmp_path, doc(events=events))
    assert verify_trace(p, strict=True)["ok"]
