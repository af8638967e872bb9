"""A suite's measurements.json, as `fozzy profile` reads it: flattened, or a named error."""

from __future__ import annotations

from typing import Any

import pytest

from fozzy.analysis.profile.bundle import check_measurements
from fozzy.artifacts.listing import ArtifactError


def step(index: int, kind: str) -> dict[str, Any]:
    return {"index": index, "type": kind, "wallNs": 10, "cpuNs": 5}


def suite(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"schema": "fozzy.suite-measurements.v1", "scenarios": list(rows)}


def test_suite_document_flattens_to_steps_that_name_their_scenario() -> None:
    doc = suite({"path": "a.json", "name": "a", "seed": 1, "status": "pass",
                 "measurements": {"steps": [step(0, "set_kv")]}},
                {"path": "b.json", "name": "b", "seed": 2, "status": "fail",
                 "measurements": {"steps": [step(0, "sleep"), step(1, "set_kv")]}})
    flat = check_measurements(doc, "m.json")
    assert [(s["scenario"], s["index"], s["type"]) for s in flat["steps"]] == [
        ("a", 0, "set_kv"), ("b", 0, "sleep"), ("b", 1, "set_kv")]


@pytest.mark.parametrize(("doc", "detail"), [
    ({"scenarios": {}}, "`scenarios` is not an array"),
    (suite({"measurements": {"steps": []}}), "scenarios[0] is not a scenario record"),
    (suite({"name": "a", "measurements": None}), "(scenarios[0]): expected an object"),
    (suite({"name": "a", "measurements": {"steps": [{"type": "x", "index": -1}]}}),
     "steps[0].index is not a non-negative integer"),
])
def test_malformed_suite_document_names_the_problem(doc: Any, detail: str) -> None:
    with pytest.raises(ArtifactError, match=r"malformed measurements in m\.json") as info:
        check_measurements(doc, "m.json")
    assert detail in str(info.value)


@pytest.mark.parametrize("other", ["7", -1, True, 1.5])
def test_a_hostile_other_samples_count_is_named(other: Any) -> None:
    """Regression: `report show` summed otherSamples unchecked, so a string there would have
    been a traceback instead of a named error."""
    doc = {"steps": [], "samples": {"periodNs": 1, "frames": [{"name": "f", "file": "x.py",
                                                               "line": 1}],
                                    "stacks": [[0]], "counts": [1], "otherSamples": other}}
    with pytest.raises(ArtifactError, match=r"samples\.otherSamples is not a non-negative"):
        check_measurements(doc, "m.json")
