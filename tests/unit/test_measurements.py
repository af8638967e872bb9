"""Measurements (wall/CPU per step, host process usage) ride beside the decision log: recorded
with every run, covered by the trace checksum, ignored by everything that compares runs."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from fozzy.errors import TraceError
from fozzy.modes.doctor import run_signature
from fozzy.trace.model import build_trace
from fozzy.trace.reader import read_trace
from fozzy.trace.writer import resolve_target, write_trace
from tests.unit.enginekit import run
from workers.engine.measure import NON_DETERMINISTIC, StepMeter

STEPS = [
    {"type": "set_kv", "key": "k", "value": "v"},
    {"type": "get_kv_assert", "key": "k", "equals": "v"},
    {"type": "assert_eq_int", "a": 1, "b": 2},
]


def test_every_executed_step_gets_a_record_even_the_failing_one() -> None:
    result = run(STEPS)
    m = result["measurements"]
    assert result["status"] == "fail"
    assert [(s["index"], s["type"]) for s in m["steps"]] == [
        (0, "set_kv"), (1, "get_kv_assert"), (2, "assert_eq_int")]
    assert all(s["wallNs"] > 0 and s["cpuNs"] >= 0 for s in m["steps"])
    assert m["totals"]["wallNs"] == sum(s["wallNs"] for s in m["steps"])
    assert m["totals"]["hostProcesses"] == 0


def test_measurements_are_not_part_of_the_decision_log_or_events() -> None:
    result = run(STEPS[:2])
    text = orjson.dumps({"d": result["decisions"], "e": result["events"]})
    assert b"wallNs" not in text and b"cpuNs" not in text


def test_trimmed_results_carry_no_measurements() -> None:
    assert run(STEPS[:1], trim=True)["measurements"] is None  # nothing of the run is kept


def test_meter_totals_sum_host_processes() -> None:
    meter = StepMeter()
    meter.begin()
    meter.host({"cmd": "a", "wallNs": 5, "userNs": 3, "sysNs": 1, "peakRssBytes": 10,
                "rssSamples": 1})
    meter.host({"cmd": "b", "wallNs": 5, "userNs": 2, "sysNs": 2, "peakRssBytes": 30,
                "rssSamples": 1})
    meter.stop(0, "proc_spawn")
    totals = meter.result()["totals"]
    assert totals["hostCpuNs"] == 8 and totals["hostPeakRssBytes"] == 30
    assert totals["hostProcesses"] == 2
    assert set(NON_DETERMINISTIC) >= {"wallNs", "cpuNs", "userNs", "sysNs", "peakRssBytes"}


def test_doctor_signature_ignores_measurements() -> None:
    a, b = run(STEPS[:2]), run(STEPS[:2])
    assert a["measurements"] != b["measurements"]
    assert run_signature(a) == run_signature(b)


def _doc(measurements: dict[str, object]) -> dict[str, object]:
    summary = {"status": "pass", "mode": "run", "identity": {"seed": 1}, "findings": []}
    return build_trace(mode="run", scenario_path=None, scenario={"name": "t", "steps": []},
                       decisions=[], events=[], summary=summary, measurements=measurements)


def test_trace_member_is_written_read_and_checksummed(tmp_path: Path) -> None:
    target = resolve_target(tmp_path / "t.fozzy")
    write_trace(target, _doc(run(STEPS[:1])["measurements"]))
    _, doc = read_trace(target)
    assert list(doc)[-3:] == ["measurements", "summary", "checksum"]
    assert doc["measurements"]["steps"][0]["type"] == "set_kv"
    raw = target.read_bytes()
    tampered = raw.replace(b'"wallNs":', b'"wallNz":', 1)
    assert tampered != raw
    target.write_bytes(tampered)
    with pytest.raises(TraceError, match="checksum mismatch"):
        read_trace(target)


def test_short_steps_report_wall_as_cpu_and_long_ones_read_the_clock() -> None:
    result = run([{"type": "set_kv", "key": "k", "value": "v"},
                  {"type": "sleep", "duration": "30ms"}], det=False)
    short, slept = result["measurements"]["steps"]
    if short["wallNs"] < 20_000:
        assert short["cpuFromWall"] is True and short["cpuNs"] == short["wallNs"]
    assert "cpuFromWall" not in slept and slept["wallNs"] >= 30_000_000
    assert slept["cpuNs"] < slept["wallNs"] // 2  # sleeping uses no CPU
