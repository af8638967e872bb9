"""`profile doctor`: can every profile command work on this run, and is its data sound?

Each check runs the real code path (top, flame, timeline, diff, explain, the exporters, with
the SVG parsed back as XML and the pprof payload decompressed). `ok` is true when every check
passed or was skipped because its domain is legitimately empty (a scenario without
allocations has no heap flame); a run recorded without measurements is a warning.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from functools import partial
from typing import Any
from xml.etree import ElementTree

from fozzy.analysis.profile import diff, domains, explain, flame, html, otlp, pprof, report
from fozzy.analysis.profile.bundle import Bundle
from fozzy.errors import FozzyError

SCHEMA = "fozzy.profile_doctor.v1"


def _run(name: str, fn: Callable[[], str]) -> dict[str, Any]:
    try:
        detail = fn()
    except FozzyError as e:
        return {"name": name, "status": "fail", "detail": str(e)}
    return {"name": name, "status": "pass", "detail": detail}


def _skip(b: Bundle, name: str, domain: str) -> dict[str, Any]:
    return {"name": name, "status": "skipped", "detail": domains.empty_reason(b, domain)}


def checks(b: Bundle) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"name": "load", "status": "pass",
                                  "detail": f"{len(b.events)} events, {len(b.steps)} measured"
                                            " steps"}]
    if b.measurements is None:
        out.append({"name": "measurements", "status": "warn",
                    "detail": "no measurements recorded: the cpu domain is empty"
                              " (a trace written before measurements, or not a steps run)"})
    else:
        out.append({"name": "measurements", "status": "pass",
                    "detail": f"{len(b.steps)} steps measured"})
    out.append(_run("top", lambda: f"{len(report.top(b, domains.DOMAINS, False, 10))} members"))
    out.append(_run("timeline", lambda: f"{len(report.timeline_events(b))} events"))
    out.append(_run("timeline_html", lambda: f"{len(html.render(b))} bytes"))
    for domain in flame.FLAME_DOMAINS:
        if domains.empty(b, domain):
            out.append(_skip(b, f"flame_{domain}", domain))
            continue
        out.append(_run(f"flame_{domain}", partial(_flame, b, domain)))
    if domains.empty(b, "latency"):
        out.append(_skip(b, "export_otlp", "latency"))
    else:
        out.append(_run("export_otlp", partial(_otlp, b)))
    out.append(_self_diff(b))
    out.append(_run("explain", lambda: explain.single(b)["statement"]))
    return out


def _otlp(b: Bundle) -> str:
    spans = otlp.export(b)["resourceSpans"][0]["scopeSpans"][0]["spans"]
    return f"{len(spans)} spans"


def _flame(b: Bundle, domain: str) -> str:
    ElementTree.fromstring(flame.svg(b, domain).encode())
    frames = len(flame.speedscope(b, domain)["shared"]["frames"])
    size = len(gzip.decompress(pprof.export(b, domain)))
    return f"svg parses, {frames} speedscope frames, {size}-byte pprof profile"


def _self_diff(b: Bundle) -> dict[str, Any]:
    verdict = diff.diff([b], [b], domains.DOMAINS)["summary"]["verdict"]
    status = "pass" if verdict == "stable" else "fail"
    return {"name": "self_diff", "status": status, "detail": f"run vs itself: {verdict}"}


def doctor(b: Bundle) -> dict[str, Any]:
    found = checks(b)
    issues = [c for c in found if c["status"] in ("warn", "fail")]
    return {"schemaVersion": SCHEMA, "run": b.label, "ok": not issues, "checks": found,
            "issues": issues}
