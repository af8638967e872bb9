"""Invariants on the final state and the `--checker` override syntax."""

from __future__ import annotations

from typing import Any

import pytest

from workers.cluster.checkers import (
    CheckerError,
    check_final,
    compile_invariants,
    parse_checkers,
)
from workers.cluster.model import Cluster, ClusterError

NODES = ["a", "b", "c"]


def _state(values: dict[str, dict[str, str]], crashed: tuple[str, ...] = ()) -> Cluster:
    c = Cluster(NODES, [])
    for node, kv in values.items():
        c.kv[node] = {k: (v, 1, node) for k, v in kv.items()}
    for node in crashed:
        c.running[node] = False
    return c


def _check(c: Cluster, invariants: list[dict[str, Any]]) -> dict[str, Any] | None:
    return check_final(c, compile_invariants(invariants, NODES))


def test_parse_checkers_builds_invariants_and_keeps_colons_in_values() -> None:
    assert parse_checkers(" kv_all_equal:k , ,kv_present_on_all: j,kv_node_equals:a:k:x:y") == [
        {"type": "kv_all_equal", "key": "k"},
        {"type": "kv_present_on_all", "key": "j"},
        {"type": "kv_node_equals", "node": "a", "key": "k", "equals": "x:y"},
    ]


@pytest.mark.parametrize(("text", "needle"), [
    ("", "at least one checker"),
    (" , ", "at least one checker"),
    ("kv_equal:k", 'unknown checker "kv_equal"'),
    ("kv_all_equal", "must look like kv_all_equal:KEY"),
    ("kv_all_equal: ", "must look like kv_all_equal:KEY"),
    ("kv_node_equals:a:k", "must look like kv_node_equals:NODE:KEY:EQUALS"),
])
def test_parse_checkers_rejects_bad_tokens(text: str, needle: str) -> None:
    with pytest.raises(CheckerError, match=needle):
        parse_checkers(text)


def test_unknown_node_in_kv_node_equals_is_bad_input() -> None:
    with pytest.raises(ClusterError, match='unknown node "z"'):
        compile_invariants([{"type": "kv_node_equals", "node": "z", "key": "k", "equals": "1"}],
                           NODES)


def test_kv_all_equal_treats_absence_as_a_value_wherever_it_is() -> None:
    inv = [{"type": "kv_all_equal", "key": "k"}]
    assert _check(_state({}), inv) is None
    assert _check(_state({"a": {"k": "1"}, "b": {"k": "1"}, "c": {"k": "1"}}), inv) is None
    missing_first = _check(_state({"b": {"k": "1"}, "c": {"k": "1"}}), inv)
    assert missing_first is not None
    assert missing_first["message"] == (
        'invariant violated for key "k": values diverged across nodes'
        ' (a=None, b=Some("1"), c=Some("1"))')
    assert missing_first["kind"] == "invariant"
    assert missing_first["title"] == "kv_all_equal"


def test_crashed_nodes_are_not_consulted() -> None:
    inv = [{"type": "kv_all_equal", "key": "k"}, {"type": "kv_present_on_all", "key": "k"},
           {"type": "kv_node_equals", "node": "c", "key": "k", "equals": "1"}]
    assert _check(_state({"a": {"k": "1"}, "b": {"k": "1"}}, crashed=("c",)), inv) is None


def test_first_violated_invariant_in_declared_order_wins() -> None:
    c = _state({"a": {"k": "1"}, "b": {"k": "2"}})
    f = _check(c, [{"type": "kv_node_equals", "node": "b", "key": "k", "equals": "1"},
                   {"type": "kv_all_equal", "key": "k"}])
    assert f is not None
    assert f["title"] == "kv_node_equals"
    assert f["message"] == 'invariant violated: expected b.k == "1", got Some("2")'
    g = _check(c, [{"type": "kv_present_on_all", "key": "k"}])
    assert g is not None
    assert g["message"] == 'invariant violated: key "k" missing on node "c"'
