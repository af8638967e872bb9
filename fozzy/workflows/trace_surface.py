"""The `trace_surface` phase of `full`: shrink, artifacts, reports and memory over the
primary's recorded trace and run (spec §7.2)."""

from __future__ import annotations

import os
from collections.abc import Callable

from fozzy.workflows.checks import (
    document,
    failed,
    identity_problems,
    passed,
    run_like,
    status_class,
    tooling,
)
from fozzy.workflows.child import ChildResult
from fozzy.workflows.context import Context
from fozzy.workflows.engine import PASSED, Command, Local, Plan, Skip, Verdict
from fozzy.workflows.surface import NO_TRACE, fozzy

NO_FAILURE = Skip("the primary trace passed: there is no failure to shrink",
                  "a failing primary scenario with --allow-expected-failures")
NO_SHRUNK = Skip("no shrunk trace (the shrink step did not produce one)",
                 "a failing primary scenario with --allow-expected-failures")


def _classify(ctx: Context, r: ChildResult, out: str) -> tuple[str, str]:
    """(classification, detail) of a shrink run (spec §7.2 names)."""
    doc = document(r)
    if doc is None or doc.get("status") == "error":
        return "tooling_failure", tooling(r).detail
    ident = doc.get("identity") or {}
    if not ident.get("runId"):
        return "run_identity_missing", "runId missing"
    problems = identity_problems(ctx, doc, "replay")
    if problems:
        return ("seed_mismatch" if "seed" in problems[0] else "mode_mismatch"), problems[0]
    if not os.path.isfile(out):
        return "out_trace_missing", f"{out} was not written"
    if ident.get("tracePath") != out:
        return "out_trace_identity_mismatch", f"tracePath={ident.get('tracePath')}"
    status = doc.get("status")
    ctx.shrunk, ctx.shrunk_status = out, status
    detail = f"status={status} primary={ctx.record_status}"
    if status_class(status) == status_class(ctx.record_status):
        return "expected_fail_class_preserved", detail
    return "expected_fail_class_mismatch", detail


def shrink(ctx: Context) -> Plan:
    if ctx.trace is None:
        return NO_TRACE
    if ctx.record_status is None:
        ctx.shrink_classification = "primary_status_missing"
        return Skip("the primary run reported no status", "make run_record_trace pass")
    if ctx.record_status == "pass":
        ctx.shrink_classification = "pass_required_policy"
        return NO_FAILURE
    if not ctx.allow_expected_failures:
        ctx.shrink_classification = "policy_rejected_non_pass"
        detail = (f"classification=policy_rejected_non_pass primary={ctx.record_status}: "
                  "a non-pass primary fails this step unless --allow-expected-failures")
        return Local(lambda ctx: failed(detail))
    out = ctx.tmp_path("primary.min.fozzy")

    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        ctx.shrink_classification, detail = _classify(ctx, r, out)
        ok = ctx.shrink_classification == "expected_fail_class_preserved"
        return (passed if ok else failed)(f"classification={ctx.shrink_classification} "
                                          f"{detail}")

    return Command(fozzy(ctx, "shrink", ctx.trace, "--out", out, "--minimize", "all"), judge)


def replay_shrunk(ctx: Context) -> Plan:
    if ctx.shrunk is None:
        return NO_SHRUNK

    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        verdict = run_like(ctx, r, "replay", expect=ctx.shrunk_status)
        return verdict

    return Command(fozzy(ctx, "replay", ctx.shrunk), judge)


def _second(ctx: Context) -> str | None:
    """The other side of a comparison: the shrunk trace, else the replay run."""
    return ctx.shrunk or ctx.replay_run


def _ok(check: Callable[[dict[str, object]], str | None]) -> Callable[
        [Context, ChildResult], Verdict | Skip]:
    """A judge: exit 0 with a JSON document that `check` finds nothing wrong with
    (`check` returns a problem or None)."""
    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        doc = r.doc
        if r.returncode != 0 or doc is None:
            return tooling(r)
        problem = check(doc) if isinstance(doc, dict) else None
        return failed(problem) if problem else Verdict(PASSED, "exit=0")
    return judge


def _nonempty(key: str) -> Callable[[dict[str, object]], str | None]:
    return lambda doc: None if doc.get(key) else f"`{key}` is empty"


def _run_step(*args: str, check: Callable[[dict[str, object]], str | None] = lambda d: None,
              ) -> Callable[[Context], Plan]:
    """A command over the recorded run: `{run}` is its id, `{tmp}` the temp dir, `{second}`
    the shrunk trace or replay run."""
    def plan(ctx: Context) -> Plan:
        if ctx.trace is None or ctx.record_run is None:
            return NO_TRACE
        second = _second(ctx)
        if any("{second}" in a for a in args) and second is None:
            return Skip("no second trace or run to compare with",
                        "a passing replay step (or a shrunk trace)")
        values = {"run": ctx.record_run, "tmp": str(ctx.tmp), "second": second or "",
                  "trace": ctx.trace}
        return Command(fozzy(ctx, *(a.format(**values) for a in args)), _ok(check))
    return plan


def _status_is(ctx_status: Callable[[], str | None]) -> Callable[[Context, ChildResult],
                                                                 Verdict | Skip]:
    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        if r.returncode != 0:
            return tooling(r)
        want = ctx_status()
        return passed(f"status={r.doc}") if r.doc == want else failed(
            f"status={r.doc} expected={want}")
    return judge


def report_query(ctx: Context) -> Plan:
    if ctx.trace is None or ctx.record_run is None:
        return NO_TRACE
    return Command(fozzy(ctx, "report", "query", ctx.record_run, "--path", ".status"),
                   _status_is(lambda: ctx.record_status))


ROWS: tuple[tuple[str, Callable[[Context], Plan]], ...] = (
    ("shrink", shrink),
    ("replay_shrunk", replay_shrunk),
    ("artifacts_ls", _run_step("artifacts", "ls", "{run}", check=_nonempty("entries"))),
    ("artifacts_export", _run_step("artifacts", "export", "{run}", "--out",
                                   "{tmp}/export.zip", check=_nonempty("files"))),
    ("artifacts_pack", _run_step("artifacts", "pack", "{run}", "--out", "{tmp}/pack.zip",
                                 check=_nonempty("files"))),
    ("artifacts_diff", _run_step("artifacts", "diff", "{trace}", "{second}")),
    ("report_show", _run_step("report", "show", "{run}", "--format", "json",
                              check=_nonempty("status"))),
    ("report_query", report_query),
    ("report_query_paths", _run_step("report", "query", "{run}", "--list-paths",
                                     check=_nonempty("paths"))),
    ("report_flaky", _run_step("report", "flaky", "{trace}", "{second}")),
    ("memory_top", _run_step("memory", "top", "{run}")),
    ("memory_graph", _run_step("memory", "graph", "{run}", check=_nonempty("graph"))),
    ("memory_diff", _run_step("memory", "diff", "{run}", "{second}")),
)
