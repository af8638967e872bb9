"""Steps both `gate` and `full` run: tree check, discovery, doctor, test, record, verify,
replay and ci (the profile rows are in `profile_steps`). Each function is one row's plan."""

from __future__ import annotations

import os
from collections.abc import Callable

from fozzy.workflows.checks import document, failed, passed, run_like, status_class, tooling
from fozzy.workflows.child import ChildResult, fozzy_argv
from fozzy.workflows.context import Context, discover
from fozzy.workflows.engine import ADVISORY, Command, Local, Plan, Skip, Verdict

NO_TRACE = Skip("no recorded trace available",
                "a steps scenario under the scenario root that run_record_trace can record")
#: Lines of `git status --porcelain` quoted in an advisory.
DIRTY_LINES_SHOWN = 3


def fozzy(ctx: Context, *args: str) -> list[str]:
    return fozzy_argv(ctx.globals_, *args)


def no_steps(ctx: Context) -> Skip:
    return Skip(f"no steps scenario under {ctx.scenario_root}",
                f"add a *.fozzy.json steps scenario under {ctx.scenario_root}")


def _git_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    if r.returncode is None and r.stderr.startswith("failed to start"):
        return Skip("git is not installed", "install git")
    if r.returncode != 0:
        if "not a git repository" in r.stderr:
            return Skip("not a git repository", "run inside a git work tree")
        return failed(f"git status failed: exit={r.returncode} {r.stderr.strip()[:200]}")
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    if not lines:
        return passed("clean=true")
    shown = " | ".join(lines[:DIRTY_LINES_SHOWN])
    return Verdict(ADVISORY, f"clean=false changes={len(lines)} first={shown}")


def clean_tree(ctx: Context) -> Plan:
    if not ctx.strict:
        return Skip("non-strict mode (--unsafe)", "drop --unsafe")
    return Command(["git", "status", "--porcelain"], _git_verdict)


def _discover(ctx: Context) -> Verdict:
    problems = discover(ctx)
    if problems:
        return failed(f"parse_errors={len(problems)} first={problems[0][:300]}")
    if not ctx.steps_scenarios:
        return failed(f"no steps scenario under {ctx.scenario_root} "
                      f"(distributed={len(ctx.distributed)})")
    return passed(f"steps={len(ctx.steps_scenarios)} distributed={len(ctx.distributed)} "
                  f"primary={ctx.primary}")


def discover_step(ctx: Context) -> Plan:
    return Local(_discover)


def _doctor_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    report = doc.get("report", doc) if doc else None
    if not isinstance(report, dict) or "ok" not in report:
        return tooling(r)
    issues = ",".join(str(i.get("code")) for i in report.get("issues", [])) or "<none>"
    verdict = passed if report["ok"] else failed
    return verdict(f"ok={str(report['ok']).lower()} issues={issues} scenario={ctx.primary}")


def doctor_deep(runs: int) -> Callable[[Context], Plan]:
    def plan(ctx: Context) -> Plan:
        if ctx.primary is None:
            return no_steps(ctx)
        return Command(fozzy(ctx, "doctor", "--deep", "--scenario", ctx.primary, "--runs",
                             str(max(runs, 2)), "--seed", str(ctx.seed)), _doctor_verdict)
    return plan


def _test_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    if doc is None or doc.get("status") == "error":
        return tooling(r)
    tests = doc.get("tests") or {}
    detail = (f"status={doc.get('status')} passed={tests.get('passed')} "
              f"failed={tests.get('failed')} skipped={tests.get('skipped')}")
    failing = [s["path"] for s in doc.get("scenarios", []) if s.get("status") != "pass"]
    if failing:
        detail += " failing=" + ",".join(failing[:5])
    return passed(detail) if doc.get("status") == "pass" else failed(detail)


def deterministic_test(select: Callable[[Context], list[str]]) -> Callable[[Context], Plan]:
    def plan(ctx: Context) -> Plan:
        chosen = select(ctx)
        if not chosen:
            return no_steps(ctx)
        return Command(fozzy(ctx, "test", "--det", "--seed", str(ctx.seed), *chosen),
                       _test_verdict)
    return plan


def _record_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    path = ctx.tmp_path("primary.trace.fozzy")
    doc = document(r)
    verdict = run_like(ctx, r, "run", trace=path)
    if doc is not None and doc.get("status") != "error" and os.path.isfile(path):
        ctx.trace = path
        ctx.record_status = doc.get("status")
        ctx.record_run = (doc.get("identity") or {}).get("runId")
    return verdict


def run_record_trace(ctx: Context) -> Plan:
    if ctx.primary is None:
        return no_steps(ctx)
    return Command(fozzy(ctx, "run", ctx.primary, "--det", "--seed", str(ctx.seed), "--record",
                         ctx.tmp_path("primary.trace.fozzy"), "--record-collision",
                         "overwrite", "--mem-track", "--mem-artifacts"), _record_verdict)


def _verify_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    if doc is None or "ok" not in doc:
        return tooling(r)
    warnings = doc.get("warnings") or []
    detail = (f"ok={str(doc['ok']).lower()} checksum_present="
              f"{str(doc.get('checksumPresent')).lower()} checksum_valid="
              f"{str(doc.get('checksumValid')).lower()} warnings={len(warnings)}")
    good = doc["ok"] and (not ctx.strict or (
        doc.get("checksumPresent") and doc.get("checksumValid") and not warnings))
    return passed(detail) if good else failed(detail)


def trace_verify(ctx: Context) -> Plan:
    if ctx.trace is None:
        return NO_TRACE
    return Command(fozzy(ctx, "trace", "verify", ctx.trace), _verify_verdict)


def _replay_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    verdict = run_like(ctx, r, "replay", expect=None)
    if doc is None or verdict.status != "passed":
        return verdict
    ctx.replay_run = (doc.get("identity") or {}).get("runId")
    got, want = status_class(doc.get("status")), status_class(ctx.record_status)
    detail = f"{verdict.detail} recorded={ctx.record_status} class={got}"
    return passed(detail) if got == want else failed(detail + f" expected_class={want}")


def replay(ctx: Context) -> Plan:
    """`--profile-capture full` keeps the replay's event stream, so `profile_diff` compares
    every domain of the recorded run against it, not only the measured ones."""
    if ctx.trace is None:
        return NO_TRACE
    return Command(fozzy(ctx, "replay", ctx.trace, "--profile-capture", "full"),
                   _replay_verdict)


def _ci_verdict(ctx: Context, r: ChildResult) -> Verdict | Skip:
    doc = document(r)
    if doc is None or "checks" not in doc:
        return tooling(r)
    bad = [c["name"] for c in doc["checks"] if not c.get("ok")]
    detail = f"ok={str(doc.get('ok')).lower()} checks={len(doc['checks'])}"
    return passed(detail) if doc.get("ok") else failed(detail + " failing=" + ",".join(bad))


def ci(ctx: Context) -> Plan:
    if ctx.trace is None:
        return NO_TRACE
    return Command(fozzy(ctx, "ci", ctx.trace), _ci_verdict)
