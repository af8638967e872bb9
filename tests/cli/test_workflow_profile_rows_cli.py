"""`full`'s profile rows over a failing primary: with --allow-expected-failures they compare the
trace against its shrunk trace, where a shift is expected and `stable` is not required."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.test_full_gate_cli import _fozzy, _steps

FAILING = {"version": 1, "name": "example", "steps": [
    {"type": "set_kv", "key": "a", "value": "1"},
    {"type": "sleep", "duration": "5ms"},
    {"type": "assert_eq_int", "a": 1, "b": 2},
]}
ROWS = ("discover_scenarios,run_record_trace,replay,shrink,profile_top,profile_diff,"
        "profile_explain")


def test_profile_rows_compare_against_the_shrunk_trace(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "example.fozzy.json").write_bytes(orjson.dumps(FAILING))
    _, report, _ = _fozzy(tmp_path, "full", "--required-steps", ROWS,
                          "--allow-expected-failures")
    steps = _steps(report)
    assert steps["shrink"]["status"] == "passed"
    for name in ("profile_top", "profile_diff", "profile_explain"):
        assert steps[name]["status"] == "passed", steps[name]
    assert "against=shrunk (stable not required)" in steps["profile_diff"]["detail"]
    assert "verdict=stable" not in steps["profile_diff"]["detail"]
