"""`fozzy report show|query|flaky` through the real command, on real runs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import orjson

from tests.cli.clikit import error_of, fozzy, ok_json, scenario

FAIL: list[dict[str, Any]] = [{"type": "assert_eq_int", "a": 1, "b": 2, "msg": "1 is not 2"}]
PASS: list[dict[str, Any]] = [{"type": "assert_eq_int", "a": 1, "b": 1}]


def run(tmp_path: Path, steps: list[dict[str, Any]], name: str = "s") -> dict[str, Any]:
    r = fozzy(tmp_path, "run", scenario(tmp_path, name, steps), "--det", "--seed", "5", "--json")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    summary: dict[str, Any] = orjson.loads(r.stdout)
    return summary


def test_show_is_identical_for_run_id_alias_and_directory(tmp_path: Path) -> None:
    s = run(tmp_path, FAIL)
    ident = s["identity"]
    for fmt in ("pretty", "json", "junit", "html"):
        outputs = {
            fozzy(tmp_path, "report", "show", sel, "--format", fmt).stdout
            for sel in (ident["runId"], "latest", "last-fail", ident["artifactsDir"],
                        ident["tracePath"])
        }
        assert len(outputs) == 1, fmt
    shown = ok_json(tmp_path, "report", "show", "latest", "--format", "json")
    assert shown.pop("profile")["totals"]["steps"] > 0  # the measured run's block (only)
    assert shown == s


def test_show_formats(tmp_path: Path) -> None:
    s = run(tmp_path, FAIL)
    pretty = ok_json(tmp_path, "report", "show", "latest")
    assert pretty["format"] == "pretty"
    lines = pretty["content"].splitlines()
    assert lines[0] == f"status=Fail mode=Run runId={s['identity']['runId']} seed=5"
    assert "- Assertion: assert_eq_int: 1 is not 2" in lines
    human = fozzy(tmp_path, "report", "show", "latest")
    assert human.returncode == 0 and human.stdout == pretty["content"]
    junit = ok_json(tmp_path, "report", "show", "latest", "--format", "junit")["content"]
    root = ET.fromstring(junit.split("\n", 1)[1])
    assert root.get("failures") == "1"
    page = fozzy(tmp_path, "report", "show", "latest", "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "<li>Assertion: assert_eq_int: 1 is not 2</li>" in page
    assert '<section id="timeline">' in page and "span_end" in page  # events.json of a fail
    assert "--format must be one of" in error_of(tmp_path, "report", "show", "latest",
                                                 "--format", "xml")


def test_show_of_a_suite_lists_scenarios(tmp_path: Path) -> None:
    scenario(tmp_path, "a", PASS)
    scenario(tmp_path, "b", FAIL)
    r = fozzy(tmp_path, "test", "a.fozzy.json", "b.fozzy.json", "--det", "--seed", "2")
    assert r.returncode == 1, r.stderr
    page = fozzy(tmp_path, "report", "show", "latest", "--format", "html").stdout
    assert '<section id="scenarios"><h2>scenarios (2)</h2>' in page
    assert page.index("a.fozzy.json") < page.index("b.fozzy.json")
    statuses = ok_json(tmp_path, "report", "query", "latest", "--path", ".scenarios[].status")
    assert statuses == ["pass", "fail"]


def test_show_of_a_trace_uses_its_embedded_summary_and_events(tmp_path: Path) -> None:
    scenario(tmp_path, "t", [{"type": "trace_event", "name": "marker-event", "fields": {}},
                             *PASS])
    r = fozzy(tmp_path, "test", "t.fozzy.json", "--det", "--seed", "9", "--record", "t.fozzy")
    assert r.returncode == 0, r.stderr
    shown = ok_json(tmp_path, "report", "show", "t.fozzy", "--format", "json")
    assert shown["identity"]["tracePath"] == str(tmp_path / "t.fozzy")
    assert ok_json(tmp_path, "report", "show", str(tmp_path / "t.fozzy"),
                   "--format", "json") == shown
    page = fozzy(tmp_path, "report", "show", "./t.fozzy", "--format", "html").stdout
    assert "marker-event" in page


def test_query_paths_values_and_errors(tmp_path: Path) -> None:
    s = run(tmp_path, FAIL)
    assert ok_json(tmp_path, "report", "query", "latest", "--path", "runId") == \
        s["identity"]["runId"]
    assert ok_json(tmp_path, "report", "query", "latest", "--path", ".findings[].title") == \
        ["assert_eq_int"]
    plain = fozzy(tmp_path, "report", "query", "latest", "--path", "status")
    assert plain.stdout == "fail\n"
    paths = ok_json(tmp_path, "report", "query", "latest", "--list-paths")["paths"]
    assert "identity.runId" in paths and "findings[]" in paths and "." in paths
    message = error_of(tmp_path, "report", "query", "latest", "--path", ".finding")
    assert "matched no values" in message and "did you mean findings" in message
    assert "--path EXPR or --list-paths" in error_of(tmp_path, "report", "query", "latest")
    assert "unsupported" in error_of(tmp_path, "report", "query", "latest", "--path", "$x")


def test_flaky_across_runs_and_budget(tmp_path: Path) -> None:
    ids = [run(tmp_path, PASS, "p")["identity"]["runId"],
           run(tmp_path, PASS, "p")["identity"]["runId"],
           run(tmp_path, FAIL, "f")["identity"]["runId"]]
    out = ok_json(tmp_path, "report", "flaky", *ids)
    assert out["runCount"] == 3 and out["isFlaky"] is True
    assert out["statusCounts"] == {"fail": 1, "pass": 2}
    assert abs(out["flakeRatePct"] - 100 / 3) < 1e-9
    assert ok_json(tmp_path, "report", "flaky", *ids, "--flake-budget", "50")["isFlaky"]
    message = error_of(tmp_path, "report", "flaky", *ids, "--flake-budget", "10")
    assert "flake budget exceeded: 33.33% > 10.00%" in message
    assert "same run" in error_of(tmp_path, "report", "flaky", ids[2], "latest")
    assert "at least two" in error_of(tmp_path, "report", "flaky", ids[0])
    assert "--flake-budget" in error_of(tmp_path, "report", "flaky", *ids,
                                        "--flake-budget", "nan")
