"""Documented fields only: every object a user writes is checked against its declaration.

An unknown key used to be dropped silently, so a misspelled oracle (`expect_stdot`) made a
false green. Now it is an error at the key's own JSON pointer naming the closest valid field;
`note` is the one documented free-text field of every step and of the scenario.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fozzy.scenario.load import ScenarioParseError, parse_scenario
from fozzy.scenario.validate import validate_scenario
from workers.cluster.faults import FaultError, parse_fault_doc
from workers.cluster.spec import DSTEPS, INVARIANTS
from workers.scenario_core import TOP_LEVEL_KEYS
from workers.steps.parse import StepParseError, parse_step
from workers.steps.registry import T, registry

PROC = {"type": "proc_spawn", "cmd": "echo", "args": ["hi"], "expect_exit": 0,
        "expect_stdout": "hi\n"}


def steps_doc(*steps: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"version": 1, "name": "n", "steps": list(steps), **top}


def parse_error(doc: dict[str, Any]) -> ScenarioParseError:
    with pytest.raises(ScenarioParseError) as info:
        validate_scenario(parse_scenario(doc, "s.fozzy.json"))
    return info.value


def test_misspelled_proc_spawn_oracle_fails_validation() -> None:
    """The reported false green: this scenario validated `ok` and ran green."""
    err = parse_error(steps_doc(
        {"type": "proc_when", "cmd": "echo", "args": ["hi"], "exit_code": 0, "stdout": "hi\n"},
        {**PROC, "expect_stdot": "nope"},
    ))
    assert err.pointer == "/steps/1/expect_stdot"
    assert err.detail == (
        "unknown field `expect_stdot` in `proc_spawn` step; did you mean `expect_stdout`?"
    )
    assert "s.fozzy.json: /steps/1/expect_stdot: unknown field" in err.message


def test_nested_steps_of_assert_throws_and_assert_rejects_are_checked() -> None:
    for block in ("assert_throws", "assert_rejects"):
        err = parse_error(steps_doc(
            {"type": "trace_event", "name": "e"},
            {"type": block, "steps": [{"type": "fail", "mesage": "x"}]},
        ))
        assert err.pointer == "/steps/1/steps/0/mesage"
        assert "did you mean `message`?" in err.detail


def test_unknown_step_member_with_no_close_name_lists_the_valid_fields() -> None:
    err = parse_error(steps_doc({"type": "sleep", "duration": "1ms", "zzz": 1}))
    assert err.pointer == "/steps/0/zzz"
    assert err.detail == "unknown field `zzz` in `sleep` step; valid fields: duration, note, type"


def test_top_level_unknown_key_is_an_error_and_note_is_documented() -> None:
    err = parse_error(steps_doc({"type": "trace_event", "name": "e"}, descripton="x"))
    assert err.pointer == "/descripton"
    assert "unknown field `descripton` in the scenario top level" in err.detail
    scn = parse_scenario(steps_doc({"type": "trace_event", "name": "e"}, note="why"), "s")
    assert scn.doc == {"version": 1, "name": "n",
                       "steps": [{"type": "trace_event", "name": "e", "fields": {}}]}


def test_pointer_tokens_are_escaped() -> None:
    err = parse_error(steps_doc({"type": "trace_event", "name": "e", "a/b~c": 1}))
    assert err.pointer == "/steps/0/a~1b~0c"


def test_note_is_accepted_on_every_step_type_and_left_out_of_the_normal_form() -> None:
    for name, sdef in registry().items():
        step = parse_step({**sdef.example, "note": "a comment"}, "/steps/0")
        assert "note" not in step
        assert step == parse_step(sdef.example, "/steps/0"), name


@pytest.mark.parametrize("note", [1, True, [], {}])
def test_note_must_be_a_string(note: Any) -> None:
    with pytest.raises(StepParseError) as e:
        parse_step({"type": "trace_event", "name": "e", "note": note}, "/steps/0")
    assert e.value.pointer == "/steps/0/note"
    err = parse_error(steps_doc({"type": "trace_event", "name": "e"}, note=note))
    assert err.pointer == "/note"


def test_allowed_keys_come_from_each_declaration() -> None:
    for sdef in registry().values():
        assert sdef.allowed == {"type", "note", *(f.name for f in sdef.fields)}
    for kind in (*DSTEPS.values(), *INVARIANTS.values()):
        assert kind.allowed == {"type", "note", *(f.name for f in kind.fields)}


def distributed(**parts: Any) -> dict[str, Any]:
    body = {"node_count": 2, "steps": [{"type": "client_put", "node": "n0", "key": "k",
                                        "value": "v"}],
            "invariants": [{"type": "kv_all_equal", "key": "k"}], **parts}
    return {"version": 1, "name": "d", "distributed": body}


@pytest.mark.parametrize(("doc", "pointer", "hint"), [
    (distributed(nodecount=2), "/distributed/nodecount", "did you mean `node_count`?"),
    (distributed(steps=[{"type": "crash", "node": "n0", "nod": "n1"}]),
     "/distributed/steps/0/nod", "did you mean `node`?"),
    (distributed(invariants=[{"type": "kv_node_equals", "node": "n0", "key": "k",
                              "equal": "v"}]),
     "/distributed/invariants/0/equal", "did you mean `equals`?"),
])
def test_distributed_definition_steps_and_invariants_are_strict(
    doc: dict[str, Any], pointer: str, hint: str
) -> None:
    err = parse_error(doc)
    assert err.pointer == pointer
    assert hint in err.detail


def test_distributed_steps_and_invariants_take_a_note() -> None:
    doc = distributed(steps=[{"type": "crash", "node": "n0", "note": "first"}],
                      invariants=[{"type": "kv_all_equal", "key": "k", "note": "n"}])
    validate_scenario(parse_scenario({**doc, "note": "top"}, "d"))


def test_suites_file_top_level_is_strict_but_suites_stays_opaque() -> None:
    parse_scenario({"version": 1, "name": "s", "suites": {"anything": [1]}}, "s")
    with pytest.raises(ScenarioParseError) as e:
        parse_scenario({"version": 1, "name": "s", "suites": [], "suite": 1}, "s")
    assert e.value.pointer == "/suite"


@pytest.mark.parametrize(("doc", "needle"), [
    ({"faults": [{"type": "crash", "node": "n0", "after_stp": 1}]},
     "f: /faults/0/after_stp: unknown field `after_stp` in `crash` fault; "
     "did you mean `after_step`?"),
    ({"fault": []}, "f: /fault: unknown field `fault` in a fault file; did you mean `faults`?"),
    ({"faults": [{"type": "tick", "duration": "1ms", "note": 5}]}, "f: /faults/0/note: expected"),
])
def test_fault_files_are_strict(doc: Any, needle: str) -> None:
    with pytest.raises(FaultError) as e:
        parse_fault_doc(doc, "f")
    assert str(e.value) == needle or str(e.value).startswith(needle)


def test_fault_file_note_is_accepted() -> None:
    faults = parse_fault_doc({"note": "why", "faults": [
        {"type": "crash", "node": "n0", "note": "first"}]}, "f")
    assert faults[0].step == {"type": "crash", "node": "n0"}


# -- property: any unknown key in any step is named by its pointer -----------------------------

EXAMPLES = [sdef.example for sdef in registry().values()]
NESTED = [name for name, sdef in registry().items()
          if any(f.type is T.STEPS for f in sdef.fields)]


@st.composite
def valid_steps(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A valid step list built from the declared examples, sometimes nested one level."""
    steps = [copy.deepcopy(e) for e in draw(st.lists(st.sampled_from(EXAMPLES), max_size=6))]
    for block in draw(st.lists(st.sampled_from(NESTED), max_size=2)):
        inner = [copy.deepcopy(e) for e in draw(st.lists(st.sampled_from(EXAMPLES), max_size=3))]
        steps.append({"type": block, "steps": [{"type": "fail", "message": "m"}, *inner]})
    return [{"type": "trace_event", "name": "work"}, *steps]


def step_pointers(steps: list[dict[str, Any]], ptr: str) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for i, s in enumerate(steps):
        out.append((f"{ptr}/{i}", s))
        if isinstance(s.get("steps"), list):
            out.extend(step_pointers(s["steps"], f"{ptr}/{i}/steps"))
    return out


KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=14)


@settings(max_examples=150, deadline=None)
@given(valid_steps(), st.data(), KEYS, st.none() | st.integers() | st.text(max_size=5))
def test_an_unknown_key_in_any_step_is_named_by_pointer(
    steps: list[dict[str, Any]], data: st.DataObject, key: str, value: Any
) -> None:
    doc = steps_doc(*steps)
    validate_scenario(parse_scenario(doc, "s"))
    ptr, target = data.draw(st.sampled_from(step_pointers(doc["steps"], "/steps")))
    if key in registry()[target["type"]].allowed:
        return
    target[key] = value
    err = parse_error(doc)
    assert err.pointer == f"{ptr}/{key}"
    assert err.detail.startswith(f"unknown field `{key}` in `{target['type']}` step; ")


@settings(max_examples=50, deadline=None)
@given(KEYS)
def test_an_unknown_top_level_key_is_named(key: str) -> None:
    if key in TOP_LEVEL_KEYS:
        return
    err = parse_error(steps_doc({"type": "trace_event", "name": "e"}, **{key: 1}))
    assert err.pointer == f"/{key}"
