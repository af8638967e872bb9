"""`fuzz --minimize` on a scenario target keeps the crash on the step that raised it: two
look-alike assertions (same kind, title and step type) are two different failures."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.clikit import scenario
from tests.cli.test_fuzz_cli import fuzz_json


def test_minimized_scenario_fails_at_the_original_step(tmp_path: Path) -> None:
    name = scenario(tmp_path, "two", [
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "get_kv_assert", "key": "k", "equals": "w"},
        {"type": "trace_event", "name": "x"},
        {"type": "get_kv_assert", "key": "k", "equals": "z"},
    ])
    code, doc = fuzz_json(tmp_path, f"scenario:{name}", "--det", "--runs", "1", "--corpus",
                          "c", "--crash-only", "--minimize")
    assert code == 1, doc
    [crash] = doc["fuzz"]["crashes"]
    assert crash["minimizedBytes"] < crash["inputBytes"]
    [small] = (tmp_path / "c" / "crashes").glob("*.min.bin")
    steps = orjson.loads(small.read_bytes())["steps"]
    assert [(s["type"], s["key"], s["equals"]) for s in steps] == [("get_kv_assert", "k", "w")]
