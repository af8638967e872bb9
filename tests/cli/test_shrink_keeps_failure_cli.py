"""`fozzy shrink` accepts only candidates that fail the way the trace did: dropping the step
that sets a key makes a later check fail first, with another finding, and that candidate
must be rejected — the result is the original assertion alone, not the other failure."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.clikit import fozzy

STEPS = [
    {"type": "set_kv", "key": "user", "value": "alice"},
    {"type": "trace_event", "name": "filler"},
    {"type": "get_kv_assert", "key": "user", "equals": "alice"},
    {"type": "assert_eq_str", "a": "expected", "b": "actual"},
]


def test_a_candidate_failing_another_way_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "two.fozzy.json").write_text(
        json.dumps({"version": 1, "name": "two", "steps": STEPS}))
    recorded = fozzy(tmp_path, "run", "two.fozzy.json", "--det", "--record", "two.fozzy")
    assert recorded.returncode == 1, recorded.stdout + recorded.stderr
    r = fozzy(tmp_path, "--json", "shrink", "two.fozzy", "--jobs", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["shrink"]["signature"]["title"] == "assert_eq_str"
    assert [f["title"] for f in doc["findings"]] == ["assert_eq_str"]
    shrunk = json.loads(Path(doc["identity"]["tracePath"]).read_text())
    assert [s["type"] for s in shrunk["scenario"]["steps"]] == ["assert_eq_str"]
