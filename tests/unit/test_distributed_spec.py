"""The distributed variant's declaration: parsing to normalized form and its rules (§4.1, §5.4)."""

from __future__ import annotations

from typing import Any

import pytest

from workers.cluster.spec import (
    DSTEP_ORDER,
    DSTEPS,
    INVARIANT_ORDER,
    INVARIANTS,
    SpecError,
    node_names,
    parse_distributed,
    validate_distributed,
)
from workers.steps.parse import StepParseError


def parsed(**raw: Any) -> dict[str, Any]:
    raw.setdefault("steps", [])
    return parse_distributed(raw)


def spec_error(**raw: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        validate_distributed(parsed(**raw))
    return info.value


def parse_error(raw: Any) -> StepParseError:
    with pytest.raises(StepParseError) as info:
        parse_distributed(raw)
    return info.value


def test_declared_types_in_reference_order() -> None:
    assert DSTEP_ORDER == (
        "client_put", "client_get_assert", "partition", "heal", "crash", "restart", "tick"
    )
    assert INVARIANT_ORDER == ("kv_all_equal", "kv_present_on_all", "kv_node_equals")


def test_normalized_form_fills_every_field_in_order() -> None:
    spec = parse_distributed({
        "nodes": ["a", "b"],
        "steps": [
            {"type": "client_get_assert", "key": "k", "node": "a", "note": "c"},
            {"type": "partition", "b": "b", "a": "a"},
            {"type": "tick", "duration": "5ms"},
        ],
        "invariants": [{"type": "kv_node_equals", "equals": "1", "key": "k", "node": "b"}],
    })
    assert spec == {
        "nodes": ["a", "b"],
        "node_count": None,
        "steps": [
            {"type": "client_get_assert", "node": "a", "key": "k", "equals": None,
             "is_null": None},
            {"type": "partition", "a": "a", "b": "b"},
            {"type": "tick", "duration": "5ms"},
        ],
        "invariants": [{"type": "kv_node_equals", "node": "b", "key": "k", "equals": "1"}],
    }
    assert list(spec["steps"][0]) == ["type", "node", "key", "equals", "is_null"]
    assert list(spec["invariants"][0]) == ["type", "node", "key", "equals"]


def test_invariants_default_to_empty_and_null_means_absent() -> None:
    assert parsed(node_count=2, invariants=None)["invariants"] == []
    assert parsed(node_count=2, nodes=None)["nodes"] is None


def test_every_example_parses_and_validates() -> None:
    names = ["n0", "n1", "n2"]
    steps = [kind.example for kind in DSTEPS.values()]
    invariants = [kind.example for kind in INVARIANTS.values()]
    spec = parse_distributed({"nodes": names, "steps": steps, "invariants": invariants})
    validate_distributed(spec)
    assert [s["type"] for s in spec["steps"]] == list(DSTEP_ORDER)


@pytest.mark.parametrize(
    ("raw", "pointer", "detail"),
    [
        ([], "/distributed", "expected distributed object, got array"),
        ({"nodes": ["a"]}, "/distributed/steps", "missing required field `steps`"),
        ({"steps": {}}, "/distributed/steps", "expected array of distributed steps, got object"),
        ({"nodes": "a", "steps": []}, "/distributed/nodes", "expected array<string>, got string"),
        ({"nodes": ["a", 1], "steps": []}, "/distributed/nodes/1", "expected string"),
        ({"node_count": -1, "steps": []}, "/distributed/node_count", "out of range for u32"),
        ({"node_count": 2.0, "steps": []}, "/distributed/node_count", "expected u32, got float"),
        ({"node_count": 1, "steps": [{"node": "a"}]}, "/distributed/steps/0/type", "missing"),
        ({"node_count": 1, "steps": [{"type": "crash"}]}, "/distributed/steps/0/node",
         "missing required field `node` for `crash`"),
        ({"node_count": 1, "steps": [{"type": "tick", "duration": 5}]},
         "/distributed/steps/0/duration", "expected duration, got integer"),
        ({"node_count": 1, "steps": [
            {"type": "client_get_assert", "node": "n0", "key": "k", "is_null": "yes"}]},
         "/distributed/steps/0/is_null", "expected bool, got string"),
        ({"node_count": 1, "steps": [], "invariants": [{"type": "kv_all_equal"}]},
         "/distributed/invariants/0/key", "missing required field `key`"),
    ],
)
def test_shape_errors_name_the_pointer(raw: Any, pointer: str, detail: str) -> None:
    err = parse_error(raw)
    assert err.pointer == pointer
    assert detail in err.detail


def test_unknown_types_name_the_closest() -> None:
    err = parse_error({"node_count": 1, "steps": [{"type": "client_puts"}]})
    assert "unknown distributed step type `client_puts`" in err.detail
    assert "did you mean `client_put`?" in err.detail
    err = parse_error({"node_count": 1, "steps": [], "invariants": [{"type": "kv_all_eq"}]})
    assert "did you mean `kv_all_equal`?" in err.detail


def test_topology_rules() -> None:
    err = spec_error()
    assert (err.pointer, err.message) == (
        "/distributed", "distributed requires either nodes:[...] or node_count"
    )
    err = spec_error(nodes=[])
    assert err.pointer == "/distributed/nodes"
    assert err.message == "distributed.nodes must not be empty"
    err = spec_error(node_count=0)
    assert err.message == "distributed.node_count must be >= 1"
    err = spec_error(nodes=["a", "b", "a"])
    assert err.pointer == "/distributed/nodes/2"
    assert 'repeats node "a"' in err.message


def test_nodes_take_precedence_over_node_count() -> None:
    assert node_names(parsed(nodes=["x", "y"], node_count=5)) == ["x", "y"]
    assert node_names(parsed(node_count=3)) == ["n0", "n1", "n2"]
    assert node_names(parsed()) == []
    validate_distributed(parsed(nodes=["x"], node_count=0))
    err = spec_error(nodes=["x"], node_count=5, steps=[{"type": "crash", "node": "n1"}])
    assert "unknown node \"n1\"; known nodes: x" in err.message


@pytest.mark.parametrize("kind", ["client_put", "client_get_assert", "crash", "restart"])
def test_steps_must_name_known_nodes(kind: str) -> None:
    fields = {"type": kind, "node": "z", "key": "k", "value": "v"}
    step = {k: v for k, v in fields.items() if k in DSTEPS[kind].allowed}
    err = spec_error(nodes=["a", "b", "c"], steps=[{"type": "crash", "node": "a"}, step])
    assert err.pointer == "/distributed/steps/1/node"
    assert err.message == 'distributed step references unknown node "z"; known nodes: a, b, c'
    assert err.category == "scenario error"


def test_partition_pair_must_be_known() -> None:
    err = spec_error(node_count=2, steps=[{"type": "heal", "a": "n0", "b": "n9"}])
    assert err.pointer == "/distributed/steps/0/b"
    assert err.message == (
        'distributed step references unknown partition pair ("n0", "n9"); known nodes: n0, n1'
    )
    err = spec_error(node_count=2, steps=[{"type": "partition", "a": "q", "b": "n1"}])
    assert err.pointer == "/distributed/steps/0/a"


def test_tick_duration_is_an_argument_error() -> None:
    err = spec_error(node_count=1, steps=[{"type": "tick", "duration": "5us"}])
    assert err.category == "invalid argument"
    assert err.message == 'invalid duration unit "us" (expected ms|s|m|h)'
    assert err.pointer == "/distributed/steps/0/duration"


def test_client_get_assert_cannot_set_both_expectations() -> None:
    step = {"type": "client_get_assert", "node": "n0", "key": "k", "equals": "v", "is_null": True}
    err = spec_error(node_count=1, steps=[step])
    assert err.pointer == "/distributed/steps/0/is_null"
    step["is_null"] = False
    validate_distributed(parsed(node_count=1, steps=[step]))


def test_kv_node_equals_must_name_known_node() -> None:
    err = spec_error(node_count=2, invariants=[
        {"type": "kv_all_equal", "key": "k"},
        {"type": "kv_node_equals", "node": "b", "key": "k", "equals": "1"},
    ])
    assert err.pointer == "/distributed/invariants/1/node"
    assert err.message == (
        'distributed invariant references unknown node "b"; known nodes: n0, n1'
    )


def test_empty_steps_are_valid() -> None:
    validate_distributed(parsed(node_count=1))
