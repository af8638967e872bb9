"""Scenario loading: decoding, classification order (§1.3), normalization and parse errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from fozzy.errors import ScenarioError
from fozzy.scenario.load import Scenario, ScenarioParseError, load_scenario, parse_scenario

SLEEP = {"type": "sleep", "duration": "5ms"}
DIST = {"nodes": ["a", "b"], "steps": [{"type": "crash", "node": "a"}]}


def write(tmp_path: Path, doc: Any, name: str = "s.fozzy.json") -> str:
    p = tmp_path / name
    p.write_bytes(doc if isinstance(doc, bytes) else orjson.dumps(doc))
    return str(p)


def parse_error(raw: Any) -> ScenarioParseError:
    with pytest.raises(ScenarioParseError) as info:
        parse_scenario(raw, "x.fozzy.json")
    err = info.value
    assert "failed to parse scenario x.fozzy.json" in err.message
    assert "fozzy schema --json" in err.message
    return err


def test_steps_file_is_normalized_with_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, {"version": 1, "name": "n", "note": "ignored", "steps": [
        {"type": "trace_event", "name": "e", "note": "a comment"},
        {"type": "get_kv_assert", "key": "k", "equals": None},
    ]})
    scn = load_scenario(path)
    assert scn == Scenario(path, "steps", "n", 1, {"version": 1, "name": "n", "steps": [
        {"type": "trace_event", "name": "e", "fields": {}},
        {"type": "get_kv_assert", "key": "k", "equals": None, "is_null": None},
    ]})
    assert list(scn.doc["steps"][1]) == ["type", "key", "equals", "is_null"]


def test_path_is_kept_as_given_and_name_does_not_matter(tmp_path: Path) -> None:
    write(tmp_path, {"version": 1, "name": "", "steps": []}, name="plain.txt")
    scn = load_scenario(str(tmp_path / "." / "plain.txt"))
    assert scn.path == str(tmp_path / "." / "plain.txt")
    assert (scn.variant, scn.name) == ("steps", "")


def test_valid_steps_win_over_distributed() -> None:
    scn = parse_scenario({"version": 1, "name": "n", "steps": [SLEEP], "distributed": DIST}, "p")
    assert scn.variant == "steps"
    assert set(scn.doc) == {"version", "name", "steps"}


def test_broken_steps_with_suites_is_suites() -> None:
    raw = {"version": 1, "name": "n", "steps": [{"type": "nope"}], "suites": None}
    scn = parse_scenario(raw, "p")
    assert scn.variant == "suites"
    assert scn.doc == {"version": 1, "name": "n", "suites": None}


def test_broken_steps_with_distributed_is_distributed() -> None:
    raw = {"version": 7, "name": "n", "steps": [{"type": "nope"}], "distributed": DIST}
    scn = parse_scenario(raw, "p")
    assert (scn.variant, scn.version) == ("distributed", 7)
    assert scn.doc["distributed"] == {
        "nodes": ["a", "b"], "node_count": None,
        "steps": [{"type": "crash", "node": "a"}], "invariants": [],
    }


def test_suites_content_is_opaque() -> None:
    raw = {"version": 1, "name": "n", "suites": {"anything": [1, {"type": "nope"}]}}
    assert parse_scenario(raw, "p").doc["suites"] == raw["suites"]


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, b'{\n  "version": 1,\n  x}')
    with pytest.raises(ScenarioParseError) as info:
        load_scenario(path)
    assert "line 3 column 3" in info.value.message
    assert "failed to parse scenario" in info.value.message
    assert "fozzy schema --json" in info.value.message


@pytest.mark.parametrize("data", [b"", b"\xff\xfe", b'{"version": NaN}', b"{} {}"])
def test_undecodable_files_are_parse_errors(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ScenarioParseError, match="invalid JSON"):
        load_scenario(write(tmp_path, data))


def test_unreadable_file_is_an_io_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(tmp_path / "missing.fozzy.json"))
    assert info.value.render().startswith("io error: failed to read scenario")
    with pytest.raises(ScenarioError, match="failed to read scenario"):
        load_scenario(str(tmp_path))


def test_top_level_must_be_an_object() -> None:
    err = parse_error([1, 2])
    assert "expected a JSON object at the top level, got array" in err.message


def test_no_variant_key() -> None:
    err = parse_error({"version": 1, "name": "n"})
    assert "missing `steps`, `distributed` or `suites`" in err.message


def test_unknown_step_type_names_closest_and_pointer() -> None:
    raw = {"version": 1, "name": "n", "steps": [SLEEP, {"type": "slep", "duration": "1ms"}]}
    err = parse_error(raw)
    assert err.pointer == "/steps/1/type"
    assert "unknown step type `slep`" in err.message
    assert "`sleep`" in err.message


def test_nested_bad_step_pointer() -> None:
    raw = {"version": 1, "name": "n", "steps": [
        SLEEP, {"type": "assert_throws", "steps": [SLEEP, {"type": "sleep", "duration": 5}]},
    ]}
    err = parse_error(raw)
    assert err.pointer == "/steps/1/steps/1/duration"
    assert "expected duration, got integer" in err.detail


def test_misspelled_required_field_is_a_parse_error() -> None:
    err = parse_error({"version": 1, "name": "n", "steps": [{"type": "sleep", "durtion": "1s"}]})
    assert err.pointer == "/steps/0/durtion"
    assert "unknown field `durtion` in `sleep` step; did you mean `duration`?" in err.detail


@pytest.mark.parametrize(
    ("version", "detail"),
    [
        (1.0, "expected u32, got float"),
        (True, "expected u32, got boolean"),
        (-1, "out of range for u32"),
        (1 << 32, "out of range for u32"),
        ("1", "expected u32, got string"),
        (None, "missing required field `version`"),
    ],
)
def test_version_must_be_u32(version: Any, detail: str) -> None:
    raw: dict[str, Any] = {"name": "n", "steps": []}
    if version is not None:
        raw["version"] = version
    err = parse_error(raw)
    assert err.pointer == "/version"
    assert detail in err.detail


def test_name_must_be_a_string() -> None:
    err = parse_error({"version": 1, "name": 3, "suites": None})
    assert (err.pointer, err.detail) == ("/name", "expected string, got integer")


def test_steps_error_reported_before_distributed_error() -> None:
    raw = {"version": 1, "name": "n", "steps": [{"type": "x"}], "distributed": {"steps": 3}}
    assert parse_error(raw).pointer == "/steps/0/type"


def test_distributed_shape_error_has_pointer() -> None:
    raw = {"version": 1, "name": "n", "distributed": {"nodes": ["a"], "steps": [
        {"type": "client_put", "node": "a", "key": "k"}]}}
    err = parse_error(raw)
    assert err.pointer == "/distributed/steps/0/value"


def test_duplicate_key_in_step_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"version":1,"name":"n","steps":[{"type":"sleep",'
                           b'"duration":"1ms","duration":"2ms"}]}')
    with pytest.raises(ScenarioParseError) as info:
        load_scenario(path)
    assert info.value.pointer == "/steps/0"
    assert "duplicate key `duration`" in info.value.message


def test_duplicate_key_in_nested_step_and_top_level(tmp_path: Path) -> None:
    nested = write(tmp_path, b'{"version":1,"name":"n","steps":[{"type":"assert_throws",'
                             b'"steps":[{"type":"fail","message":"a","message":"b"}]}]}')
    with pytest.raises(ScenarioParseError) as info:
        load_scenario(nested)
    assert info.value.pointer == "/steps/0/steps/0"
    top = write(tmp_path, b'{"version":1,"name":"n","name":"m","steps":[]}', name="t.json")
    with pytest.raises(ScenarioParseError, match="duplicate key `name`"):
        load_scenario(top)


def test_duplicate_key_in_distributed_definition(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"version":1,"name":"n","distributed":{"node_count":2,"steps":[],'
                           b'"invariants":[{"type":"kv_all_equal","key":"a","key":"b"}]}}')
    with pytest.raises(ScenarioParseError) as info:
        load_scenario(path)
    assert info.value.pointer == "/distributed/invariants/0"


def test_duplicate_key_in_free_form_map_keeps_last(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"version":1,"name":"n","steps":'
                           b'[{"type":"trace_event","name":"e","fields":{"a":1,"a":2}}]}')
    assert load_scenario(path).doc["steps"][0]["fields"] == {"a": 2}
