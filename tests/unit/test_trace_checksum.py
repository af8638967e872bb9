"""The checksum and its canonical bytes: every change to a sealed trace is caught."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import blake3
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fozzy.errors import TraceError
from fozzy.trace import checksum as ck
from fozzy.trace.model import build_trace
from fozzy.trace.reader import inspect
from fozzy.trace.verify import verify_trace
from tests.unit.enginekit import run

STEPS: list[dict[str, Any]] = [
    {"type": "trace_event", "name": "setup", "fields": {"zeta": 1, "alpha": "é\n\u2028"}},
    {"type": "rand_u64", "key": "r"},
    {"type": "sleep", "duration": "10ms"},
    {"type": "set_kv", "key": "k", "value": "v\"q\\"},
    {"type": "assert_eq_int", "a": 1, "b": 1},
]


def recorded_doc() -> dict[str, Any]:
    """A trace document of a real engine run (u64 rand values, non-ASCII, escapes)."""
    from workers.steps.parse import parse_steps

    result = run(STEPS, seed=11)
    scenario = {"version": 1, "name": "t", "steps": parse_steps(STEPS, "/steps")}
    summary = {"status": result["status"], "mode": "run",
               "identity": {"runId": "r-1", "seed": 11}}
    return build_trace(mode="run", scenario_path="t.fozzy.json", scenario=scenario,
                       decisions=result["decisions"], events=result["events"], summary=summary)


SEALED, SUM = ck.seal(recorded_doc())
FIXTURE_OK = [HealthCheck.function_scoped_fixture]


def test_compact_file_is_canonical_bytes_plus_checksum_member() -> None:
    canonical = ck.canonical_bytes(recorded_doc())
    assert canonical[:-1] + b',"checksum":"' + SUM.encode() + b'"}' == SEALED
    assert blake3.blake3(canonical).hexdigest() == SUM
    assert list(orjson.loads(SEALED))[-1] == "checksum"


def test_fast_path_and_reserialization_agree() -> None:
    assert ck.fast_check(SEALED) == SUM
    assert ck.recompute(orjson.loads(SEALED)) == SUM


def test_pretty_layout_has_the_same_checksum_and_verifies(tmp_path: Path) -> None:
    pretty, checksum = ck.seal(recorded_doc(), pretty=True)
    assert checksum == SUM and b"\n  " in pretty
    assert ck.fast_check(pretty) is None
    p = tmp_path / "p.fozzy"
    p.write_bytes(pretty)
    assert verify_trace(p, strict=True)["ok"] is True


def test_whitespace_reindent_still_verifies_but_value_change_does_not(tmp_path: Path) -> None:
    doc = orjson.loads(SEALED)
    p = tmp_path / "t.fozzy"
    p.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    assert inspect(p).checksum_valid
    doc["summary"]["identity"]["seed"] = 12
    p.write_bytes(orjson.dumps(doc))
    info = inspect(p)
    assert info.checksum_present and not info.checksum_valid


def test_trailing_newline_added_by_an_editor_is_tolerated() -> None:
    assert ck.fast_check(SEALED + b"\n") == SUM


def test_values_without_canonical_form_are_refused() -> None:
    doc = recorded_doc()
    doc["events"].append({"time_ms": 0, "name": "big", "fields": {"n": 1 << 70}})
    with pytest.raises(ck.CanonicalError):
        ck.seal(doc)


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURE_OK)
@given(pos=st.integers(min_value=0, max_value=len(SEALED) - 1),
       new=st.integers(min_value=0, max_value=255))
def test_any_single_byte_change_fails_verify(tmp_path: Path, pos: int, new: int) -> None:
    if SEALED[pos] == new:
        new = (new + 1) % 256
    corrupted = SEALED[:pos] + bytes([new]) + SEALED[pos + 1:]
    p = tmp_path / "flip.fozzy"
    p.write_bytes(corrupted)
    with pytest.raises(TraceError):
        verify_trace(p, strict=True)


@settings(max_examples=100, deadline=None, suppress_health_check=FIXTURE_OK)
@given(cut=st.integers(min_value=0, max_value=len(SEALED) - 1))
def test_any_truncation_fails_clearly(tmp_path: Path, cut: int) -> None:
    p = tmp_path / "cut.fozzy"
    p.write_bytes(SEALED[:cut])
    with pytest.raises(TraceError) as e:
        verify_trace(p, strict=False)
    assert str(p) in e.value.render()
