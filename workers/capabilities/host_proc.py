"""Host proc backend: `proc_spawn` really runs the command, under the run's hard limits.

The deadline is the nearer of the run's wall deadline (`--timeout`, det or not) and the
step's own `timeout`; stdout and stderr are each capped at `limits["max_output_bytes"]`. Both
are enforced by `workers.limits.run_process`, which kills and reaps the whole process tree.
A process that exits normally may leave background processes (a service); they belong to the
scenario's `ProcessScope` and are ended with the scenario (`workers.containment`).

Every outcome (exit, timeout, limit hit, spawn failure, output left open by a background
process) becomes a decision first and a result or failure second, through `apply`, which the
replay backend shares; so a replay fails or times out exactly where the live run did.

`proc_when` rules are contracts here, not mocks: when rules exist, a spawn must match one,
still runs for real, and its real exit code and output must equal the rule's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from workers.capabilities import (
    duration_of,
    failure_member,
    location,
    lossy,
    pass_host_time,
    preview,
    recorded_failure,
)
from workers.containment import ProcessScope
from workers.engine.findings import HANG, StepFailed, assertion
from workers.engine.measure import HostUsage
from workers.engine.quote import q
from workers.engine.runtime import Decision, Runtime
from workers.limits import (
    DEFAULT_MAX_OUTPUT_BYTES,
    LIMIT,
    STALLED,
    TIMEOUT,
    earliest,
    run_process,
)
from workers.steps.proc import SPAWN_BACKENDS, ProcResult, consume, match_proc_rule
from workers.steps.registry import Step
from workers.steps.time import duration_ms

TIMEOUT_KIND = "proc_spawn_timeout"


def args_text(args: list[str]) -> str:
    return "[" + ", ".join(q(a) for a in args) + "]"


def invocation(cmd: str, args: list[str]) -> str:
    return f"{q(cmd)} {args_text(args)}"


def unmatched(rt: Runtime, cmd: str, args: list[str]) -> StepFailed:
    return assertion(
        "proc_when_host_unmatched",
        f"no proc_when matched host proc {invocation(cmd, args)}. remediation: declare a"
        " proc_when with exactly this cmd and args (and uses left), remove every proc_when to"
        " run host processes unrestricted, or use --proc-backend scripted",
        location(rt, {"command": cmd, "args": list(args)}),
    )


def deadline_for(rt: Runtime, s: Step) -> float | None:
    """The run's wall deadline, tightened by the step's own `timeout` when it has one."""
    own = None
    if s.get("timeout") is not None:
        own = time.monotonic() + duration_ms(s, "timeout") / 1000.0
    return earliest(rt.deadline_wall(), own)


def _base(cmd: str, args: list[str], out: str, err: str, ms: int) -> Decision:
    return {
        "kind": "proc_spawn", "cmd": cmd, "args": list(args), "exit_code": -1,
        "stdout": out, "stderr": err, "peak_rss_bytes": 0, "rss_sample_count": 0,
        "duration_ms": ms,
    }


def scope(rt: Runtime) -> ProcessScope:
    """The scenario's process scope: background processes a step leaves live until the
    scenario ends (a service serving later steps), and no longer."""
    sc = rt.host.get("procs")
    if not isinstance(sc, ProcessScope):
        sc = ProcessScope()
        rt.host["procs"] = sc
        rt.on_close(sc.end)
    return sc


def live_decision(rt: Runtime, s: Step) -> Decision:
    """Run the process for real and describe what happened as a decision."""
    cmd, args = s["cmd"], list(s["args"])
    cap = int(rt.limits.get("max_output_bytes") or DEFAULT_MAX_OUTPUT_BYTES)
    deadline = deadline_for(rt, s)
    t0 = time.monotonic_ns()
    usage = None if rt.meter is None else HostUsage()
    try:
        out = run_process([cmd, *args], rt.cwd, deadline, cap, keep=scope(rt).keep)
    except OSError as e:
        d = _base(cmd, args, "", "", duration_of(time.monotonic_ns() - t0))
        d["failure"] = failure_member(assertion(
            "proc_spawn_host", f"host proc spawn failed for {invocation(cmd, args)}: {e}"
        ))
        return d
    if rt.meter is not None and usage is not None:
        rt.meter.host(usage.record(cmd, out.peak_rss_bytes, out.rss_sample_count))
    stdout, stderr = lossy(out.stdout), lossy(out.stderr)
    ms = duration_of(out.duration_ns)
    if out.status == TIMEOUT:
        return {
            "kind": TIMEOUT_KIND, "cmd": cmd, "args": args, "stdout": stdout, "stderr": stderr,
            "peak_rss_bytes": out.peak_rss_bytes, "rss_sample_count": out.rss_sample_count,
            "duration_ms": ms,
        }
    d = _base(cmd, args, stdout, stderr, ms)
    d["exit_code"] = -1 if out.exit_code is None else out.exit_code
    d["peak_rss_bytes"] = out.peak_rss_bytes
    d["rss_sample_count"] = out.rss_sample_count
    if out.status == LIMIT:
        stream = out.limit_stream or "stdout"
        seen = out.stdout_seen if stream == "stdout" else out.stderr_seen
        d["limit_exceeded"] = stream
        d["limit_bytes"] = cap
        d["observed_bytes"] = seen
        d["failure"] = failure_member(assertion(
            "proc_spawn_host",
            f"host proc {stream} exceeded limit for {invocation(cmd, args)}:"
            f" {seen} bytes > {cap} bytes (process tree killed)",
            location(rt, {"stdoutPreview": preview(stdout), "stderrPreview": preview(stderr)}),
        ))
    elif out.status == STALLED:
        d["failure"] = failure_member(assertion(
            "proc_spawn_host",
            f"host proc output reader did not flush after process exit for"
            f" {invocation(cmd, args)}: a background process kept stdout/stderr open"
            " (process tree killed)",
        ))
    return d


def apply(rt: Runtime, decision: Decision, boundary: str) -> ProcResult:
    """Log the decision, let its duration pass, and turn it into a result or a failure."""
    rt.decide(decision)
    ms = int(decision.get("duration_ms", 0))
    pass_host_time(rt, ms)
    cmd, args = decision["cmd"], list(decision["args"])
    peak = int(decision.get("peak_rss_bytes", 0))
    if peak > 0:
        rt.mem.record_host_peak(rt, cmd, args, peak, int(decision.get("rss_sample_count", 0)))
    if decision["kind"] == TIMEOUT_KIND:
        raise StepFailed(
            HANG, "timeout",
            f"host proc timed out for {invocation(cmd, args)}; no terminal process-exit"
            " boundary was observed before timeout",
            location(rt, {
                "requestKind": "process_spawn", "command": cmd, "args": args,
                "stdoutPreview": preview(decision["stdout"]),
                "stderrPreview": preview(decision["stderr"]), "durationMs": ms,
            }),
        )
    failure = recorded_failure(decision)
    if failure is not None:
        raise failure
    return ProcResult(
        int(decision["exit_code"]), decision["stdout"], decision["stderr"], ms, boundary
    )


def check_contract(rt: Runtime, rule: dict[str, Any], res: ProcResult, cmd: str,
                   args: list[str]) -> None:
    """The real result must equal the matched rule's (omitted stdout/stderr mean empty)."""
    inv = invocation(cmd, args)
    if res.exit_code != rule["exit_code"]:
        raise assertion(
            "proc_when_host_exit",
            f"host proc exit mismatch for {inv}: expected {rule['exit_code']},"
            f" got {res.exit_code}",
            location(rt, {"command": cmd, "args": args}),
        )
    for stream, actual in (("stdout", res.stdout), ("stderr", res.stderr)):
        expected = rule[stream] or ""
        if actual != expected:
            raise assertion(
                f"proc_when_host_{stream}",
                f"host proc {stream} mismatch for {inv}",
                location(rt, {"command": cmd, "args": args,
                              "expectedPreview": preview(expected),
                              "actualPreview": preview(actual)}),
            )


Obtain = Callable[[Runtime, Step], Decision]


def serve(rt: Runtime, s: Step, obtain: Obtain, boundary: str) -> ProcResult:
    """The host spawn lifecycle shared by the live and the replay backend: rule match, the
    decision from `obtain`, then the matched rule's contract."""
    cmd, args = s["cmd"], list(s["args"])
    rule = None
    if rt.proc_rules:
        rule = match_proc_rule(rt.proc_rules, cmd, args)
        if rule is None:
            raise unmatched(rt, cmd, args)
    res = apply(rt, obtain(rt, s), boundary)
    if rule is not None:
        consume(rule)
        check_contract(rt, rule, res, cmd, args)
    return res


def host_spawn(rt: Runtime, s: Step) -> ProcResult:
    return serve(rt, s, live_decision, "process_exit")


SPAWN_BACKENDS["host"] = host_spawn
