"""Human and file renderings of a summary: the pretty block, `junit.xml`, `report.html`.

The file renderers are pure functions of the summary, so a later integrity check can compare
a stored file byte-for-byte with a fresh rendering.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.text import Text

_STATUS_STYLE = {
    "pass": "bold green", "fail": "bold red", "timeout": "bold yellow", "crash": "bold magenta",
    "error": "bold red", "skipped": "dim",
}
# Finding kinds that count as JUnit failures (the rest are listed but not counted).
_JUNIT_FAILURE_KINDS = ("assertion", "invariant", "checker")


def camel(word: str) -> str:
    """`input_invalid` → `InputInvalid`: the reference's enum spelling in human text."""
    return "".join(part.capitalize() for part in word.split("_"))


def finding_line(f: dict[str, Any]) -> str:
    return f"[{f['kind']}] {f['title']}: {f['message']}"


def pretty_text(summary: dict[str, Any], *, color: bool) -> str:
    """The block `run`/`test`/`replay` print (§3.4); labels dim and the status coloured."""
    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
    )
    status = summary["status"]

    def line(label: str, value: str, style: str = "") -> None:
        console.print(Text.assemble((label, "dim"), " ", (value, style)))

    line("fozzy", f"{summary['mode']} {status.upper()}", _STATUS_STYLE.get(status, "bold"))
    ident = summary["identity"]
    line("run", ident["runId"])
    line("seed", str(ident["seed"]))
    line("duration", f"{summary['durationMs']}ms")
    if "virtualMs" in summary:
        line("virtual", f"{summary['virtualMs']}ms")
    tests = summary.get("tests")
    if tests is not None:
        line("tests", f"pass={tests['passed']} fail={tests['failed']} skip={tests['skipped']}")
    mem = summary.get("memory")
    if mem is not None:
        line(
            "memory",
            f"allocs={mem['allocCount']} frees={mem['freeCount']}"
            f" failed={mem['failedAllocCount']} in_use={mem['inUseBytes']}"
            f" peak={mem['peakBytes']} leaked={mem['leakedBytes']}"
            f" leaked_allocs={mem['leakedAllocs']}",
        )
    for label, key in (("trace", "tracePath"), ("report", "reportPath"), ("artifacts",
                                                                          "artifactsDir")):
        if key in ident:
            line(label, ident[key])
    scenarios = summary.get("scenarios")
    failed = [s for s in scenarios or () if s["status"] not in ("pass", "skipped")]
    if failed:
        # A suite can hold thousands of scenarios: list only the ones that need attention,
        # each with the command that reproduces it.
        console.print(Text("failures", "dim"))
        for s in failed:
            st = s["status"]
            first = s["findings"][0] if s.get("findings") else None
            console.print(
                Text.assemble(
                    "  ", (st.upper(), _STATUS_STYLE.get(st, "bold")), " ", s["path"],
                    (f" seed={s['seed']}", "dim"),
                    f": {first['title']}: {first['message']}" if first else "",
                )
            )
            if s.get("reproduce"):
                console.print(Text.assemble("    ", ("reproduce", "dim"), " ", s["reproduce"]))
    findings = summary.get("findings")
    if findings:
        console.print(Text("findings", "dim"))
        for f in findings:
            console.print(Text(f"  - {finding_line(f)}"))
    return buf.getvalue()


def xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&apos;")
    )


def seconds(ms: int) -> str:
    """Milliseconds as plain decimal seconds: 12 → `0.012`, 0 → `0`, 1500 → `1.5`."""
    whole, frac = divmod(ms, 1000)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".")


def junit_xml(summary: dict[str, Any]) -> str:
    """JUnit: one testcase per scenario when the summary lists scenarios (test), else the
    reference layout for a single run (one testcase per finding, or one for the run)."""
    scenarios = summary.get("scenarios")
    cases: list[str] = []
    if scenarios is not None:
        failures = sum(1 for s in scenarios if s["status"] not in ("pass", "skipped"))
        skipped = sum(1 for s in scenarios if s["status"] == "skipped")
        for s in scenarios:
            attrs = f'classname="fozzy" name="{xml_escape(s["path"])}"'
            if "durationMs" in s:
                attrs += f' time="{seconds(int(s["durationMs"]))}"'
            if s["status"] == "pass":
                cases.append(f"  <testcase {attrs}/>")
            elif s["status"] == "skipped":
                cases.append(f"  <testcase {attrs}><skipped/></testcase>")
            else:
                body = "\n".join(finding_line(f) for f in s.get("findings", []))
                cases.append(
                    f"  <testcase {attrs}><failure message=\"{xml_escape(s['status'])}\">"
                    f"{xml_escape(body)}</failure></testcase>"
                )
        head = (
            f'<testsuite name="fozzy" tests="{len(scenarios)}" failures="{failures}"'
            f' skipped="{skipped}" time="{seconds(summary["durationMs"])}">'
        )
    else:
        findings = summary.get("findings", [])
        failures = sum(1 for f in findings if f["kind"] in _JUNIT_FAILURE_KINDS)
        if not findings:
            run_id = xml_escape(summary["identity"]["runId"])
            cases.append(f'  <testcase classname="fozzy" name="{run_id}"/>')
        for i, f in enumerate(findings):
            cases.append(
                f'  <testcase classname="fozzy" name="finding_{i}">'
                f'<failure message="{xml_escape(f["title"])}">{xml_escape(f["message"])}'
                "</failure></testcase>"
            )
        head = (
            f'<testsuite name="fozzy" tests="{max(1, len(findings))}" failures="{failures}"'
            f' time="{seconds(summary["durationMs"])}">'
        )
    return "\n".join(
        ['<?xml version="1.0" encoding="UTF-8"?>', head, *cases, "</testsuite>", ""]
    )


_HTML_STYLE = (
    "body{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;margin:2em;}"
    "h1{font-size:1.4em;}h2{font-size:1.1em;}li{margin:0.2em 0;}"
    ".pass{color:#1a7f37;}.fail,.crash,.error{color:#cf222e;}.timeout{color:#9a6700;}"
)


def report_html(summary: dict[str, Any]) -> str:
    """A static, self-contained page; deterministic for a given summary."""
    e = xml_escape
    ident = summary["identity"]
    status = summary["status"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8"><title>fozzy report</title>'
        f"<style>{_HTML_STYLE}</style></head>",
        "<body>",
        "<h1>fozzy report</h1>",
        f'<p class="{e(status)}">status: {e(camel(status))}</p>',
        f"<p>mode: {e(summary['mode'])} · runId: {e(ident['runId'])} · seed: {ident['seed']}</p>",
        f"<p>startedAt: {e(summary['startedAt'])}</p>",
        f"<p>finishedAt: {e(summary['finishedAt'])}</p>",
        f"<p>durationMs: {summary['durationMs']}</p>",
    ]
    scenarios = summary.get("scenarios")
    if scenarios is not None:
        parts.append("<h2>scenarios</h2>")
        parts.append("<ul>")
        for s in scenarios:
            parts.append(
                f'<li class="{e(s["status"])}">{e(camel(s["status"]))}: {e(s["path"])}'
                f" (seed {s['seed']})</li>"
            )
        parts.append("</ul>")
    parts.append("<h2>findings</h2>")
    parts.append("<ul>")
    findings = summary.get("findings", [])
    for f in findings:
        parts.append(f"<li>{e(camel(f['kind']))}: {e(f['title'])}: {e(f['message'])}</li>")
    if not findings:
        parts.append("<li>no findings</li>")
    parts += ["</ul>", "</body>", "</html>", ""]
    return "\n".join(parts)
