"""`report query` expressions, `--list-paths`, suggestions, and the flaky computation."""

from __future__ import annotations

from typing import Any

import pytest

from fozzy.artifacts.export import sanitize, unique_names
from fozzy.artifacts.query import (
    QueryError,
    check_budget,
    evaluate,
    flaky_report,
    list_paths,
)
from fozzy.cli.flag_values import parse_percent_flag
from fozzy.errors import ArgumentError

DOC: dict[str, Any] = {
    "status": "fail",
    "mode": "test",
    "identity": {"runId": "r1", "seed": 7, "tracePath": "/t.fozzy"},
    "scenarios": [{"path": "a", "status": "pass"}, {"path": "b", "status": "fail"}],
    "findings": [{"kind": "assertion", "title": "assert_eq_int", "message": "m"},
                 {"kind": "checker", "title": "proc_unmatched", "message": "n"}],
}


@pytest.mark.parametrize(("expr", "want"), [
    (".", DOC), ("$", DOC), ("status", "fail"), (".status", "fail"), ("$.status", "fail"),
    (".identity.seed", 7), ("runId", "r1"), (".seed", 7), ("$.tracePath", "/t.fozzy"),
    (".findings[1].title", "proc_unmatched"), (".findings.0.title", "assert_eq_int"),
    (".findings[].title", ["assert_eq_int", "proc_unmatched"]),
    ("scenarios[].status", ["pass", "fail"]),
    (".findings[0]", DOC["findings"][0]),
])
def test_expressions(expr: str, want: Any) -> None:
    assert evaluate(DOC, expr) == want


def test_fan_out_keeps_list_shape_even_for_one_match() -> None:
    assert evaluate({"a": [{"b": 1}]}, ".a[].b") == [1]


@pytest.mark.parametrize(("expr", "message"), [
    ("", "empty report path expression"),
    ("$x", "unsupported report path expression"),
    ("-x", "unsupported report path expression"),
    (".a..b", "unsupported report path expression"),
    (".findings[x]", "unsupported report path expression"),
])
def test_bad_expressions(expr: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        evaluate(DOC, expr)


def test_no_match_suggests_nearby_paths() -> None:
    with pytest.raises(QueryError) as e:
        evaluate(DOC, ".finding")
    assert 'query matched no values for expression ".finding"' in e.value.message
    assert "did you mean findings" in e.value.message
    with pytest.raises(QueryError, match=r"did you mean .*scenarios\[0\]\.status"):
        evaluate(DOC, "x.STATUS")
    with pytest.raises(QueryError, match="matched no values"):
        evaluate(DOC, ".findings[5]")


def test_list_paths() -> None:
    paths = list_paths(DOC)
    assert paths == sorted(paths)
    assert "." in paths and "identity.runId" in paths
    assert {"findings[]", "findings[0]", "findings[0].title"} <= set(paths)
    assert "findings[1].title" not in paths
    assert list_paths({"a": []}) == [".", "a", "a[]"]


def run(rid: str, status: str, *titles: str) -> dict[str, Any]:
    findings = [{"kind": "assertion", "title": t, "message": ""} for t in titles]
    return {"status": status, "identity": {"runId": rid, "seed": 1}, "findings": findings}


def test_flaky_uses_one_normalized_signature() -> None:
    report = flaky_report([run("a", "pass"), run("b", "pass"), run("c", "fail", "x")])
    assert report == {
        "schemaVersion": "fozzy.flaky_report.v1", "runCount": 3,
        "statusCounts": {"fail": 1, "pass": 2}, "findingTitleSets": [[], ["x"]],
        "isFlaky": True, "flakeRatePct": pytest.approx(100 / 3),
    }
    # Finding order and repeats are not flakiness, for either measure.
    same = flaky_report([run("a", "fail", "x", "y"), run("b", "fail", "y", "x", "x")])
    assert same["isFlaky"] is False and same["flakeRatePct"] == 0.0
    assert same["findingTitleSets"] == [["x", "y"]]


def test_flaky_rejects_duplicates_and_single_runs() -> None:
    with pytest.raises(QueryError, match="same run a"):
        flaky_report([run("a", "pass"), run("a", "pass")])
    with pytest.raises(QueryError, match="at least two"):
        flaky_report([run("a", "pass")])


def test_flake_budget() -> None:
    report = flaky_report([run("a", "pass"), run("b", "fail")])
    check_budget(report, 50.0)
    check_budget(report, None)
    with pytest.raises(QueryError, match=r"flake budget exceeded: 50\.00% > 10\.00%"):
        check_budget(report, parse_percent_flag("10", "--flake-budget", at_most=100))
    for bad in ("nan", "-1", "101", "ten"):
        with pytest.raises(ArgumentError, match="--flake-budget"):
            parse_percent_flag(bad, "--flake-budget", at_most=100)


def test_export_names_are_flat_sanitized_and_unique() -> None:
    assert sanitize("my trace (1).fozzy") == "my_trace_1_.fozzy"
    assert sanitize("__a  b__") == "a_b"
    assert sanitize("???") == "artifact"
    assert unique_names(["report.json", "report.json", "a b", "a?b", "x"]) == [
        "report.json", "report.2.json", "a_b", "a_b.2", "x"]
