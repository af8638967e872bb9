"""The profile rows of `gate` and `full` (spec §7.1/§7.2): `profile top`, `profile diff` and
`profile explain --diff-with` over the primary's recorded trace.

The comparison side is the shrunk trace when `full` made one (a smaller scenario, so a shift
is expected and `stable` is not required), else the replay run. The replay step runs with
`--profile-capture full`, so the replay keeps its event stream and every domain is compared:
a run against its own replay (same scenario, same seed) must then be `stable`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from fozzy.workflows.checks import document, failed, passed, tooling
from fozzy.workflows.child import ChildResult
from fozzy.workflows.context import Context
from fozzy.workflows.engine import Command, Plan, Skip, Verdict
from fozzy.workflows.surface import NO_TRACE, fozzy

DOMAINS = ("cpu", "heap", "latency", "io", "sched")
#: Domains whose `profile top` section is an array of rows (`latency` is an object).
ROW_DOMAINS = ("cpu", "heap", "io", "sched")
VERDICTS = ("stable", "improvement", "regression_detected")
NO_SECOND = Skip("no second run to compare with",
                 "a passing replay step (or, in full, a shrunk trace)")


def _entry_problem(entries: Any, key: str) -> str | None:
    """A malformed or duplicated `emptyDomains`/`warnings` list, or None."""
    if entries is None:
        return None
    if not isinstance(entries, list):
        return f"`{key}` is not an array"
    seen: set[str] = set()
    for e in entries:
        name = e.get("domain") if isinstance(e, dict) else e
        if not isinstance(name, str) or (key == "emptyDomains" and name not in DOMAINS):
            return f"`{key}` has a malformed entry {str(e)[:80]}"
        if name in seen:
            return f"`{key}` names {name} twice"
        seen.add(name)
    return None


def _top_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    if r.returncode != 0 or doc is None or "emptyDomains" not in doc:
        return tooling(r)
    for key in ("emptyDomains", "warnings"):
        problem = _entry_problem(doc.get(key), key)
        if problem:
            return failed(problem)
    if doc.get("warnings"):
        return failed(f"warnings={len(doc['warnings'])} first={str(doc['warnings'][0])[:200]}")
    empty = [e["domain"] for e in doc["emptyDomains"]]
    with_rows = [d for d in ROW_DOMAINS if isinstance(doc.get(d), list) and doc[d]]
    detail = f"empty={','.join(empty) or '<none>'} rows={','.join(with_rows) or '<none>'}"
    if empty and not with_rows:
        return Skip(f"the recorded run has no profile rows ({detail})",
                    "a primary scenario whose steps do measurable work")
    return passed(detail)


def profile_top(ctx: Context) -> Plan:
    if ctx.trace is None:
        return NO_TRACE
    return Command(fozzy(ctx, "profile", "top", ctx.trace), _top_verdict)


def _second(ctx: Context) -> tuple[str | None, bool]:
    """(the other side, whether it must be `stable`): the shrunk trace, else the replay."""
    if ctx.shrunk is not None:
        return ctx.shrunk, False
    return ctx.replay_run, True


def _diff_problem(doc: dict[str, Any]) -> str | None:
    """What makes a diff report internally inconsistent, or None."""
    summary, rows = doc.get("summary"), doc.get("rows")
    if not isinstance(summary, dict) or not isinstance(rows, list):
        return "no `summary` or `rows`"
    verdict = summary.get("verdict")
    regressions = sum(1 for r in rows if r.get("classification") == "regression")
    improvements = sum(1 for r in rows if r.get("classification") == "improvement")
    expected = ("regression_detected" if regressions else "improvement" if improvements
                else "stable")
    if verdict not in VERDICTS or verdict != expected:
        return f"verdict={verdict} but rows say {expected}"
    if (summary.get("regressions"), summary.get("improvements")) != (regressions, improvements):
        return "summary counts do not match the rows"
    if any(r.get("isSignificant") != (r.get("classification") != "stable") for r in rows):
        return "a row's classification disagrees with its significance"
    return None


def _diff_verdict(must_be_stable: bool) -> Callable[[Context, ChildResult], Verdict | Skip]:
    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        doc = document(r)
        if r.returncode != 0 or doc is None:
            return tooling(r)
        problem = _diff_problem(doc)
        if problem:
            return failed(f"inconsistent diff: {problem}")
        summary, blind = doc["summary"], doc.get("notCompared") or []
        detail = (f"verdict={summary['verdict']} rows={len(doc['rows'])} "
                  f"regressions={summary['regressions']} "
                  f"improvements={summary['improvements']}")
        if not must_be_stable:
            return passed(detail + " against=shrunk (stable not required)")
        if blind:
            return failed(detail + " not_compared=" + ",".join(b["domain"] for b in blind))
        if summary["verdict"] != "stable":
            top = next(r for r in doc["rows"] if r["classification"] != "stable")
            return failed(f"{detail} against=replay first={top['metric']} "
                          f"{top['left']}->{top['right']}")
        return passed(detail + " against=replay")
    return judge


def profile_diff(ctx: Context) -> Plan:
    if ctx.trace is None:
        return NO_TRACE
    second, must_be_stable = _second(ctx)
    if second is None:
        return NO_SECOND
    return Command(fozzy(ctx, "profile", "diff", ctx.trace, second),
                   _diff_verdict(must_be_stable))


def _explain_problem(doc: dict[str, Any]) -> str | None:
    """None when the explanation is diagnostic (a known cause domain, a shifted path or a
    metric, evidence files that exist) or a consistent "no measurable shift"."""
    cause, evidence = doc.get("likelyCauseDomain"), doc.get("evidence")
    if cause is None:
        quiet = (doc.get("statement") == "no measurable shift" and doc.get("topPath") is None
                 and evidence == [] and doc.get("verdict") == "stable")
        return None if quiet else "no cause domain but not a stable `no measurable shift`"
    if cause not in DOMAINS:
        return f"unknown cause domain {cause!r}"
    if not isinstance(doc.get("metric"), dict) or doc["metric"].get("domain") != cause:
        return "the shifted metric is missing or in another domain"
    files = [p for side in evidence or [] if isinstance(side, list) for p in side]
    if not files or not all(isinstance(p, str) and os.path.isfile(p) for p in files):
        return "evidence does not point at existing files"
    return None


def _explain_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    if r.returncode != 0 or doc is None or "statement" not in doc:
        return tooling(r)
    problem = _explain_problem(doc)
    detail = (f"verdict={doc.get('verdict')} cause={doc.get('likelyCauseDomain')} "
              f"statement={str(doc['statement'])[:200]}")
    return failed(f"{problem}: {detail}") if problem else passed(detail)


def profile_explain(ctx: Context) -> Plan:
    if ctx.trace is None:
        return NO_TRACE
    second, _ = _second(ctx)
    if second is None:
        return NO_SECOND
    return Command(fozzy(ctx, "profile", "explain", ctx.trace, "--diff-with", second),
                   _explain_verdict)
