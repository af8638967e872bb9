"""The one runner for workflow tables: policy first, then each row's plan, then its verdict."""

from __future__ import annotations

import difflib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from fozzy.errors import ArgumentError

if TYPE_CHECKING:
    from fozzy.workflows.child import ChildResult
    from fozzy.workflows.context import Context

PASSED, FAILED, SKIPPED, ADVISORY = "passed", "failed", "skipped", "advisory"
#: The step that reports a contradictory policy; no policy can skip it.
POLICY_STEP = "policy_conflict"


@dataclass(frozen=True)
class Verdict:
    status: str
    detail: str


@dataclass(frozen=True)
class Skip:
    """A step that does not run: why, and what would make it run."""

    reason: str
    unskip: str


@dataclass(frozen=True)
class Local:
    """A bounded in-process check (no scenario runs here)."""

    run: Callable[[Context], Verdict]


@dataclass(frozen=True)
class Command:
    """A child process; `judge` reads its result (and may record facts on the context)."""

    argv: list[str]
    judge: Callable[[Context, ChildResult], Verdict | Skip]
    timeout_s: float | None = None  # None: the context's step timeout


Plan = Skip | Local | Command


@dataclass(frozen=True)
class Step:
    name: str
    phase: str
    plan: Callable[[Context], Plan]


@dataclass(frozen=True)
class Policy:
    """`--skip-steps` / `--required-steps`, lower-cased; checked before a plan is built."""

    skip: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()

    def decide(self, name: str) -> Skip | None:
        if name == POLICY_STEP:
            return None
        if self.required and name not in self.required:
            return Skip("skipped by required-steps policy", f"add {name} to --required-steps")
        if name in self.skip:
            return Skip("skipped by skip-steps policy", f"remove {name} from --skip-steps")
        return None


def parse_policy(skip: str | None, required: str | None, names: list[str]) -> Policy:
    """Comma lists of step names; an unknown name is an error naming the closest step."""

    def names_of(flag: str, value: str | None) -> frozenset[str]:
        out = {n.strip().lower() for n in (value or "").split(",") if n.strip()}
        for n in sorted(out):
            if n not in names:
                close = difflib.get_close_matches(n, names, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise ArgumentError(f"{flag}: unknown step {n!r}{hint}")
        return frozenset(out)

    return Policy(names_of("--skip-steps", skip), names_of("--required-steps", required))


@dataclass
class Progress:
    """JSON progress lines on stderr (`--json` only), one per phase start and step edge."""

    schema: str
    enabled: bool
    lines: list[str] = field(default_factory=list)

    def event(self, event: str, step: str, status: str | None, detail: str,
              phase: str) -> None:
        if not self.enabled:
            return
        doc = {"schemaVersion": self.schema, "event": event, "phase": phase, "step": step,
               "status": status, "detail": detail}
        sys.stderr.write(orjson.dumps(doc).decode() + "\n")
        sys.stderr.flush()


def _execute(ctx: Context, plan: Plan) -> Verdict | Skip:
    from fozzy.workflows.child import run_child

    if isinstance(plan, Skip):
        return plan
    if isinstance(plan, Local):
        return plan.run(ctx)
    timeout = ctx.step_timeout_s if plan.timeout_s is None else plan.timeout_s
    result = run_child(plan.argv, timeout)
    if result.timed_out:
        ctx.abort = Skip(f"not run: an earlier step timed out after {timeout:g}s",
                         "raise --step-timeout or fix the step that hung")
        ctx.guidance.append(f"a step exceeded its {timeout:g}s time limit and was stopped "
                            "(its whole process tree was killed); raise --step-timeout if the "
                            "suite is just slow")
        return Verdict(FAILED, f"timed out after {timeout:g}s; process tree killed")
    return plan.judge(ctx, result)


def _interrupted(ctx: Context) -> Verdict:
    """SIGINT/SIGTERM/SIGHUP mid-step: the step's child tree is already killed (the
    `finally` of `run_process`); the rest is skipped and the partial report still printed."""
    ctx.interrupted = True
    ctx.abort = Skip("not run: the workflow was interrupted", "run it again to completion")
    return Verdict(FAILED, "interrupted by a signal; process tree killed")


def run_steps(table: tuple[Step, ...], ctx: Context, policy: Policy,
              progress: Progress) -> list[dict[str, Any]]:
    """Run the table in order; every row yields exactly one step object."""
    out: list[dict[str, Any]] = []
    phase = None
    for step in table:
        if step.phase != phase:
            phase = step.phase
            progress.event("phase_started", phase, None, "", phase)
        progress.event("step_started", step.name, None, "", phase)
        t0 = time.monotonic()
        decided: Verdict | Skip | None = ctx.abort or policy.decide(step.name)
        if decided is None:
            try:
                decided = _execute(ctx, step.plan(ctx))
            except KeyboardInterrupt:
                decided = _interrupted(ctx)
        row: dict[str, Any]
        if isinstance(decided, Skip):
            row = {"name": step.name, "status": SKIPPED,
                   "detail": f"{decided.reason}; to run it: {decided.unskip}",
                   "skipReason": decided.reason, "unskip": decided.unskip}
        else:
            row = {"name": step.name, "status": decided.status, "detail": decided.detail}
        row["durationMs"] = int((time.monotonic() - t0) * 1000)
        ctx.statuses[step.name] = row["status"]
        out.append(row)
        progress.event("step_finished", step.name, row["status"], row["detail"], phase)
    return out
