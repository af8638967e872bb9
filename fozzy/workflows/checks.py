"""Judging a child's answer: the reference's "pass checks" for run-like steps (spec §7)."""

from __future__ import annotations

import os
from typing import Any

from fozzy.workflows.child import ChildResult
from fozzy.workflows.context import Context
from fozzy.workflows.engine import FAILED, PASSED, Verdict


def failed(detail: str) -> Verdict:
    return Verdict(FAILED, detail)


def passed(detail: str) -> Verdict:
    return Verdict(PASSED, detail)


def document(r: ChildResult) -> dict[str, Any] | None:
    return r.doc if isinstance(r.doc, dict) else None


def tooling(r: ChildResult) -> Verdict:
    """A child that did not answer with a usable document."""
    msg = r.error_message() or "no JSON document on stdout"
    return failed(f"exit={r.returncode} error={msg[:300]}")


def status_class(status: str | None) -> str:
    return "pass" if status == "pass" else "non-pass"


def identity_problems(ctx: Context, doc: dict[str, Any], mode: str) -> list[str]:
    ident = doc.get("identity") or {}
    problems = []
    if not ident.get("runId"):
        problems.append("runId missing")
    if ident.get("seed") != ctx.seed:
        problems.append(f"seed {ident.get('seed')} != workflow seed {ctx.seed}")
    if doc.get("mode") != mode:
        problems.append(f"mode {doc.get('mode')} != {mode}")
    return problems


def trace_problems(doc: dict[str, Any], trace: str) -> list[str]:
    """The trace exists, is the reported `tracePath`, and embeds this run's summary."""
    from fozzy.errors import FozzyError
    from fozzy.trace.reader import read_trace

    reported = (doc.get("identity") or {}).get("tracePath")
    if reported != os.path.abspath(trace):
        return [f"tracePath {reported} != {trace}"]
    try:
        if os.path.getsize(trace) == 0:
            return ["trace is empty"]
        _, recorded = read_trace(trace)
    except (OSError, FozzyError) as e:
        return [f"trace unreadable: {getattr(e, 'message', None) or e}"]
    embedded = (recorded.get("summary") or {}).get("identity") or {}
    if embedded.get("runId") != doc["identity"].get("runId"):
        return ["trace does not embed this run's summary"]
    return []


def run_like(ctx: Context, r: ChildResult, mode: str, *, trace: str | None = None,
             expect: str | None = "pass") -> Verdict:
    """Status `expect` (None: any), strict policy kept, identity and trace consistent."""
    doc = document(r)
    if doc is None or doc.get("status") == "error":
        summary = doc.get("summary") if doc else None
        if isinstance(summary, dict):
            return failed(f"status={summary.get('status')} strict policy rejected: "
                          f"{r.error_message()[:300]}")
        return tooling(r)
    status = doc.get("status")
    problems = [] if expect is None or status == expect else [f"status {status} != {expect}"]
    problems += identity_problems(ctx, doc, mode)
    if trace is not None and not problems:
        problems += trace_problems(doc, trace)
    run_id = (doc.get("identity") or {}).get("runId")
    detail = f"status={status} mode={doc.get('mode')} runId={run_id}"
    if problems:
        return failed(detail + " problems=" + "; ".join(problems))
    return passed(detail)
