"""`junit.xml`: a summary as one JUnit test suite, a pure function of the summary.

A suite (`test`) has one testcase per scenario; a single run (`run`, `fuzz`, `explore`,
`replay`) keeps the reference layout, one testcase per finding (or one for a clean run).
A failure's `message` is its first finding's message and its `type` the finding's title, so
CI tools show the cause; the seed and the `reproduce` command go in `<properties>` (of the
testcase for a scenario, of the suite for a single run), so a CI page hands over the command
that re-creates the failure.
"""

from __future__ import annotations

from typing import Any

from fozzy.artifacts.render import finding_line, seconds, xml_escape

#: Finding kinds that count as failures of a single run (the rest are listed, not counted).
FAILURE_KINDS = ("assertion", "invariant", "checker")


def _properties(pairs: list[tuple[str, Any]], indent: str) -> list[str]:
    shown = [(k, v) for k, v in pairs if v is not None]
    if not shown:
        return []
    inner = "".join(f'<property name="{xml_escape(k)}" value="{_attr(str(v))}"/>'
                    for k, v in shown)
    return [f"{indent}<properties>{inner}</properties>"]


def _attr(text: str) -> str:
    """An attribute value that keeps its line breaks (a parser turns a raw one into a space)."""
    return xml_escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def _failure(message: str, kind: str, body: str) -> str:
    return (f'<failure message="{_attr(message)}" type="{_attr(kind)}">'
            f"{xml_escape(body)}</failure>")


def _scenario_case(s: dict[str, Any]) -> str:
    attrs = f'classname="fozzy" name="{xml_escape(s["path"])}"'
    if "durationMs" in s:
        attrs += f' time="{seconds(int(s["durationMs"]))}"'
    if s["status"] == "pass":
        return f"  <testcase {attrs}/>"
    if s["status"] == "skipped":
        return f"  <testcase {attrs}><skipped/></testcase>"
    findings = s.get("findings") or []
    first = findings[0] if findings else {"title": s["status"], "message": s["status"]}
    props = _properties([("seed", s.get("seed")), ("status", s["status"]),
                         ("reproduce", s.get("reproduce"))], "")
    body = "\n".join(finding_line(f) for f in findings)
    return (f"  <testcase {attrs}>{''.join(props)}"
            f"{_failure(first['message'], first['title'], body)}</testcase>")


def _suite_properties(summary: dict[str, Any]) -> list[str]:
    if summary["status"] == "pass":
        return []
    pairs: list[tuple[str, Any]] = [("seed", summary["identity"]["seed"]),
                                    ("status", summary["status"]),
                                    ("reproduce", summary.get("reproduce"))]
    for i, crash in enumerate((summary.get("fuzz") or {}).get("crashes") or []):
        pairs.append((f"crash.{i}.reproduce", crash.get("reproduce")))
    return _properties(pairs, "  ")


def junit_xml(summary: dict[str, Any]) -> str:
    scenarios = summary.get("scenarios")
    if scenarios is not None:
        failures = sum(1 for s in scenarios if s["status"] not in ("pass", "skipped"))
        skipped = sum(1 for s in scenarios if s["status"] == "skipped")
        cases = [_scenario_case(s) for s in scenarios]
        head = (
            f'<testsuite name="fozzy" tests="{len(scenarios)}" failures="{failures}"'
            f' skipped="{skipped}" time="{seconds(summary["durationMs"])}">'
        )
    else:
        findings = summary.get("findings", [])
        failures = sum(1 for f in findings if f["kind"] in FAILURE_KINDS)
        cases = []
        if not findings:
            run_id = xml_escape(summary["identity"]["runId"])
            cases.append(f'  <testcase classname="fozzy" name="{run_id}"/>')
        for i, f in enumerate(findings):
            cases.append(f'  <testcase classname="fozzy" name="finding_{i}">'
                         f"{_failure(f['message'], f['title'], finding_line(f))}</testcase>")
        head = (
            f'<testsuite name="fozzy" tests="{max(1, len(findings))}" failures="{failures}"'
            f' time="{seconds(summary["durationMs"])}">'
        )
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', head,
                      *_suite_properties(summary), *cases, "</testsuite>", ""])
