"""`fozzy shrink` keeps the failure it was given: oracles and assertion keys stay as written,
and the failing step is the original one."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_shrink_cli import record, shrink_json


def test_kv_mismatch_keeps_its_key_and_expected_value(tmp_path: Path) -> None:
    """Regression: `set_kv user=alice; …; get_kv_assert user == bob` shrank to
    `get_kv_assert key:"" equals:""` and was reported as preserved."""
    steps = [{"type": "set_kv", "key": "user", "value": "alice"},
             *({"type": "trace_event", "name": f"e{i}"} for i in range(6)),
             {"type": "get_kv_assert", "key": "user", "equals": "bob"}]
    trace = record(tmp_path, "kv", steps)
    code, doc = shrink_json(tmp_path, str(trace))
    assert code == 0, doc
    shrunk = json.loads(Path(doc["identity"]["tracePath"]).read_text())["scenario"]["steps"]
    asserts = [s for s in shrunk if s["type"] == "get_kv_assert"]
    assert [(s["key"], s["equals"]) for s in asserts] == [("user", "bob")]
    assert doc["findings"][0]["title"] == "get_kv_assert"
    assert len(shrunk) < len(steps)


def test_failure_stays_on_the_original_step(tmp_path: Path) -> None:
    """Removing step 1 makes step 3 fail with the same kind and title; shrink must not take
    that trade."""
    steps = [{"type": "set_kv", "key": "k", "value": "v"},
             {"type": "get_kv_assert", "key": "k", "equals": "w"},
             {"type": "trace_event", "name": "x"},
             {"type": "get_kv_assert", "key": "k", "equals": "z"}]
    trace = record(tmp_path, "two", steps)
    code, doc = shrink_json(tmp_path, str(trace))
    assert code == 0, doc
    shrunk = json.loads(Path(doc["identity"]["tracePath"]).read_text())["scenario"]["steps"]
    first = next(s for s in shrunk if s["type"] == "get_kv_assert")
    assert first["equals"] == "w"
