"""Fault presets and JSON fault files: placement, and rejection naming the bad field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from workers.cluster.faults import (
    PRESETS,
    FaultError,
    insert_faults,
    parse_fault_doc,
    parse_faults,
)

NODES = ["n0", "n1", "n2"]
STEPS: list[dict[str, Any]] = [
    {"type": "client_put", "node": "n0", "key": "k", "value": "1"},
    {"type": "client_put", "node": "n1", "key": "k", "value": "2"},
]


def test_presets_are_prepended_in_token_order(tmp_path: Path) -> None:
    faults = parse_faults("crash-first, ,partition-first-two,none", NODES, tmp_path)
    out = insert_faults(STEPS, NODES, faults)
    assert out[:2] == [{"type": "crash", "node": "n0"},
                       {"type": "partition", "a": "n0", "b": "n1"}]
    assert out[2:] == STEPS
    assert set(PRESETS) >= {"heal-first-two", "restart-first"}


def test_two_node_preset_needs_two_nodes(tmp_path: Path) -> None:
    with pytest.raises(FaultError, match="at least 2 nodes"):
        parse_faults("heal-first-two", ["solo"], tmp_path)


def test_unknown_token_lists_presets(tmp_path: Path) -> None:
    with pytest.raises(FaultError, match=r'unknown fault preset or file "chaos".*crash-first'):
        parse_faults("chaos", NODES, tmp_path)


def test_fault_file_places_faults_after_the_given_step(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(orjson.dumps({"faults": [
        {"type": "partition", "a": "n0", "b": "n2", "after_step": 1},
        {"type": "tick", "duration": "5ms", "after_step": 2},
        {"type": "crash", "node": "n2"},
        {"type": "heal", "a": "n0", "b": "n2", "after_step": 1},
    ]}))
    out = insert_faults(STEPS, NODES, parse_faults("f.json,restart-first", NODES, tmp_path))
    assert [s["type"] for s in out] == ["crash", "restart", "client_put", "partition", "heal",
                                        "client_put", "tick"]


def test_bare_list_is_accepted() -> None:
    faults = parse_fault_doc([{"type": "restart", "node": "n1"}], "f")
    assert faults[0].step == {"type": "restart", "node": "n1"}
    assert faults[0].after_step == 0


@pytest.mark.parametrize(("doc", "needle"), [
    ({"fault": []}, "f: /fault: unknown field"),
    ({}, "f: /faults: missing required field"),
    ({"faults": {"type": "crash"}}, "f: /faults: must be a list"),
    ({"faults": ["crash"]}, "f: /faults/0: each fault must be an object"),
    ({"faults": [{"node": "n0"}]}, "f: /faults/0/type: missing required field"),
    ({"faults": [{"type": "drop"}]}, 'f: /faults/0/type: unknown fault type "drop"'),
    ({"faults": [{"type": 3}]}, "f: /faults/0/type: unknown fault type 3"),
    ({"faults": [{"type": "crash"}]}, "f: /faults/0/node: missing required field"),
    ({"faults": [{"type": "crash", "node": 1}]}, "f: /faults/0/node: must be a non-empty"),
    ({"faults": [{"type": "crash", "node": "n0", "nod": "x"}]}, "f: /faults/0/nod: unknown"),
    ({"faults": [{"type": "heal", "a": "n0"}]}, "f: /faults/0/b: missing required field"),
    ({"faults": [{"type": "tick", "duration": "soon"}]}, "f: /faults/0/duration: invalid"),
    ({"faults": [{"type": "crash", "node": "n0", "after_step": -1}]}, "/faults/0/after_step"),
    ({"faults": [{"type": "crash", "node": "n0", "after_step": True}]}, "/faults/0/after_step"),
    ([{"type": "crash", "node": "n0"}, {"type": "crash"}], "f: /1/node: missing"),
])
def test_bad_fault_file_shapes_name_the_field(doc: Any, needle: str) -> None:
    with pytest.raises(FaultError) as e:
        parse_fault_doc(doc, "f")
    assert needle in str(e.value)


def test_placement_and_nodes_are_checked_against_the_scenario(tmp_path: Path) -> None:
    late = parse_fault_doc({"faults": [{"type": "crash", "node": "n0", "after_step": 3}]}, "f")
    with pytest.raises(FaultError, match=r"f: /faults/0/after_step: 3 is past the end.*2 steps"):
        insert_faults(STEPS, NODES, late)
    ghost = parse_fault_doc({"faults": [{"type": "partition", "a": "n0", "b": "n9"}]}, "f")
    with pytest.raises(FaultError, match=r'f: /faults/0/b: unknown node "n9"'):
        insert_faults(STEPS, NODES, ghost)


def test_unreadable_or_invalid_json_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(FaultError, match=r"fault file .*bad.json: invalid JSON"):
        parse_faults("bad.json", NODES, tmp_path)
