"""The workers-side scenario core: the cheap duplicate-key proof never hides a duplicate, and
the `load` job op answers what the coordinator's loader and validator would say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fozzy.errors import FozzyError
from fozzy.scenario.load import ScenarioParseError, load_scenario
from fozzy.scenario.validate import error_for, require_steps, validate_scenario
from workers.scenario_core import ScenarioProblem, _surely_unique, load_batch

SET = {"type": "set_kv", "key": "k", "value": "v"}


def write(tmp: Path, name: str, data: bytes | str) -> str:
    path = tmp / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}',
    '{"a": "x:y", "a": "z"}',
    '{"a": {"b": 1, "c": 2}, "a": {"b": 1}}',
    '{"s": [{"k": "1:2:3", "k": "1:2:3"}]}',
    '{"a": "\\u003a", "a": 1}',
])
def test_duplicates_are_never_proved_unique(text: str) -> None:
    assert not _surely_unique(text.encode(), orjson.loads(text))


@pytest.mark.parametrize("text", [
    '{"a": 1, "b": "x:y:z", "c": [{"d": "::"}], "e": {"f:g": null}}',
    '{ "a" : 1.5e3 , "b" : true }',
    '{"ü": "ä:ö"}',
])
def test_unique_documents_take_the_fast_path(text: str) -> None:
    assert _surely_unique(text.encode(), orjson.loads(text))


keys = st.text(alphabet="ab:", min_size=1, max_size=3)
values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(alphabet="a:\\\"u", max_size=4),
    lambda inner: st.lists(inner, max_size=3)
    | st.lists(st.tuples(keys, inner), max_size=4),
    max_leaves=12,
)


def _render(value: Any) -> str:
    """JSON text with objects given as member lists, so repeated keys really are repeated."""
    if isinstance(value, list) and value and all(isinstance(m, tuple) for m in value):
        return "{" + ", ".join(f"{json.dumps(k)}: {_render(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return json.dumps(value)


def _has_dup(value: Any) -> bool:
    if isinstance(value, list) and value and all(isinstance(m, tuple) for m in value):
        names = [k for k, _ in value]
        return len(set(names)) < len(names) or any(_has_dup(v) for _, v in value)
    if isinstance(value, list):
        return any(_has_dup(v) for v in value)
    return False


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(keys, values), min_size=1, max_size=4))
def test_fast_path_agrees_with_an_exact_duplicate_search(members: list[Any]) -> None:
    text = _render(members).encode()
    if _surely_unique(text, orjson.loads(text)):
        assert not _has_dup(members)


def test_fixed_shape_duplicate_still_rejected_when_hidden_in_colons(tmp_path: Path) -> None:
    text = '{"version": 1, "name": "a:b", "steps": [{"type": "set_kv", "key": "k:1", ' \
           '"key": "k:2", "value": "v"}]}'
    with pytest.raises(ScenarioParseError, match="duplicate key `key`") as info:
        load_scenario(write(tmp_path, "d.fozzy.json", text))
    assert info.value.pointer == "/steps/0"


def _coordinator_verdict(path: str) -> dict[str, Any]:
    try:
        scn = load_scenario(path)
    except FozzyError as e:
        return {"load": e.render()}
    try:
        if scn.variant != "distributed":
            require_steps(scn)
            validate_scenario(scn)
    except FozzyError as e:
        return {"variant": scn.variant, "gate": e.render()}
    return {"variant": scn.variant, "gate": None}


def _op_verdict(row: dict[str, Any]) -> dict[str, Any]:
    if "problem" in row:
        return {"load": error_for(ScenarioProblem.from_dict(row["problem"])).render()}
    gate = row["gate"]
    return {"variant": row["variant"],
            "gate": None if gate is None else error_for(ScenarioProblem.from_dict(gate)).render()}


def test_load_op_agrees_with_the_coordinator_loader(tmp_path: Path) -> None:
    docs = {
        "ok": {"version": 1, "name": "ok", "steps": [SET]},
        "version": {"version": 2, "name": "v", "steps": [SET]},
        "duration": {"version": 1, "name": "d", "steps": [{"type": "sleep", "duration": "x"}]},
        "decl": {"version": 1, "name": "c", "steps": [{"type": "proc_when", "cmd": "a"}]},
        "suites": {"version": 1, "name": "s", "suites": []},
        "dist": {"version": 1, "name": "d", "distributed": {"node_count": 2, "steps": []}},
        "badstep": {"version": 1, "name": "b", "steps": [{"type": "set_kvv"}]},
    }
    paths = [write(tmp_path, f"{k}.fozzy.json", json.dumps(d)) for k, d in docs.items()]
    paths.append(write(tmp_path, "notjson.fozzy.json", b"{"))
    paths.append(str(tmp_path / "missing.fozzy.json"))
    out = load_batch({"paths": paths})["scenarios"]
    assert [_op_verdict(r) for r in out] == [_coordinator_verdict(p) for p in paths]
    assert orjson.loads(out[0]["doc"]) == load_scenario(paths[0]).doc
    assert [("doc" in r) for r in out] == [True] + [False] * (len(paths) - 1)
