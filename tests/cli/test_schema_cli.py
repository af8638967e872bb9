"""`fozzy schema` / `fozzy steps` through the real command: complete, and true to the parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from workers.steps.parse import StepParseError, parse_step
from workers.steps.registry import STEP_ORDER, registry


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=60, check=False,
    )


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    r = fozzy(tmp_path_factory.mktemp("schema"), "schema", "--json")
    assert r.returncode == 0, r.stderr
    doc: dict[str, Any] = orjson.loads(r.stdout)
    return doc


def test_top_level_keys(schema: dict[str, Any]) -> None:
    assert schema["schemaVersion"] == "fozzy.schema_doc.v4"
    assert not [k for k in schema if k.startswith("profile")]
    variants = {v["name"]: v["requiredTopLevelKeys"] for v in schema["fileVariants"]}
    assert variants == {
        "steps": ["version", "name", "steps"],
        "distributed": ["version", "name", "distributed"],
        "suites": ["version", "name", "suites"],
    }
    assert schema["distributedStepTypes"] == [
        "client_put", "client_get_assert", "partition", "heal", "crash", "restart", "tick"
    ]
    assert schema["distributedInvariantTypes"] == [
        "kv_all_equal", "kv_present_on_all", "kv_node_equals"
    ]


def test_step_types_follow_registry_order(schema: dict[str, Any]) -> None:
    reg = registry()
    assert schema["stepTypes"] == [n for n in STEP_ORDER if n in reg]
    assert set(schema["stepTypes"]) == set(reg)
    assert list(schema["stepSchemas"]) == schema["stepTypes"]


def test_every_step_schema_is_complete_and_true(schema: dict[str, Any]) -> None:
    reg = registry()
    for name, entry in schema["stepSchemas"].items():
        sdef = reg[name]
        declared = [f.name for f in sdef.fields]
        assert entry["requiredFields"] == ["type"] + [f.name for f in sdef.fields if f.required]
        assert entry["optionalFields"] == [f.name for f in sdef.fields if not f.required]
        assert list(entry["fields"]) == declared
        for f in sdef.fields:
            assert entry["fields"][f.name]["type"] == f.type.value
        assert entry["notes"]
        example = entry["example"]
        assert example["type"] == name
        step = parse_step(example, "/steps/0")
        if sdef.check is not None:
            sdef.check(step)
        for field in entry["requiredFields"][1:]:
            broken = {k: v for k, v in example.items() if k != field}
            with pytest.raises(StepParseError) as info:
                parse_step(broken, "/steps/0")
            assert info.value.pointer == f"/steps/0/{field}"


def test_distributed_schemas_cover_every_type(schema: dict[str, Any]) -> None:
    assert list(schema["distributedStepSchemas"]) == schema["distributedStepTypes"]
    assert list(schema["distributedInvariantSchemas"]) == schema["distributedInvariantTypes"]
    put = schema["distributedStepSchemas"]["client_put"]
    assert put["requiredFields"] == ["type", "node", "key", "value"]
    get = schema["distributedStepSchemas"]["client_get_assert"]
    assert get["optionalFields"] == ["equals", "is_null"]
    assert schema["distributedStepSchemas"]["tick"]["fields"]["duration"]["type"] == "duration"


def test_examples_validate_with_the_real_command(
    schema: dict[str, Any], tmp_path: Path
) -> None:
    steps = [e["example"] for e in schema["stepSchemas"].values()]
    (tmp_path / "all.json").write_bytes(orjson.dumps({"version": 1, "name": "all",
                                                      "steps": steps}))
    dist = {
        "nodes": ["n0", "n1", "n2"],
        "steps": [e["example"] for e in schema["distributedStepSchemas"].values()],
        "invariants": [e["example"] for e in schema["distributedInvariantSchemas"].values()],
    }
    (tmp_path / "dist.json").write_bytes(orjson.dumps({"version": 1, "name": "d",
                                                       "distributed": dist}))
    for name in ("all.json", "dist.json"):
        r = fozzy(tmp_path, "--json", "validate", name)
        assert r.returncode == 0, r.stdout
    for variant in schema["fileVariants"]:
        path = tmp_path / f"{variant['name']}.json"
        path.write_bytes(orjson.dumps(variant["minimalExample"]))
        r = fozzy(tmp_path, "--json", "validate", path.name)
        out = orjson.loads(r.stdout)
        assert out.get("variant") == variant["name"]
        assert out["ok"] is (variant["name"] != "suites")


def test_steps_alias_is_identical(tmp_path: Path) -> None:
    a = fozzy(tmp_path, "schema", "--json")
    b = fozzy(tmp_path, "steps", "--json")
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout


def test_human_listing(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "schema")
    assert r.returncode == 0
    assert "schemaVersion: fozzy.schema_doc.v4" in r.stdout.splitlines()
