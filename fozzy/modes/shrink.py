"""`fozzy shrink`: the smallest scenario (or input, or schedule) that still fails the same way.

"The same way" is the failure signature: status plus the kind and title of the first finding
(findings ordered as reports order them), raised by the same step of the original scenario
(steps traces), at the same exception type and location (fn fuzz traces), by the same
invariant (explore traces: its index is the finding's `location.invariant`). The reference
only kept pass/non-pass, so a shrink could drift from the bug it was asked about into an
unrelated one; matching the signature means the reproducer that comes out is a reproducer
of the failure that went in. Oracles are never edited (fozzy.shrink.steps).

Every candidate runs on the worker pool exactly like a normal run (det, the trace's seed and
memory options, scripted/virtual backends), a wave of `--jobs` candidates at a time, so
`--jobs` changes the wall time and never the result: the shrinkers pick the first failing
candidate in list order, not the first to finish, and stop a level at the first wave that has
one. The output goes through the one trace
writer, and before it is written the shrunk run is replayed from its own decisions to prove
the file reproduces the failure.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fozzy.artifacts.reproduce import Invocation, replay_command
from fozzy.artifacts.summary import build_summary, memory_summary
from fozzy.errors import ArgumentError, FozzyError, TraceError
from fozzy.executor.seam import Executor, make_executor
from fozzy.shrink.ddmin import ShrinkStats, ddmin
from fozzy.shrink.failure import Signature, StepFailure, describe, signature
from fozzy.shrink.steps import Candidate, shrink_candidate
from fozzy.trace.model import build_trace, recorded_host_families, trace_kind
from fozzy.trace.reader import read_trace
from fozzy.trace.writer import release_target, resolve_target, write_trace

MINIMIZE = ("input", "schedule", "faults", "all")
ACCEPTED = {
    "steps": ("input", "all"),
    "fuzz": ("input", "all"),
    "explore": ("schedule", "faults", "all"),
}
DEFAULT_BUDGET_MS = 15_000
SCRIPTED = {"proc": "scripted", "fs": "virtual", "http": "scripted"}
# A candidate is tiny next to the budget, but a worker must never be left hanging on one.
MIN_CANDIDATE_MS = 10_000
RESTART_BUDGET = 10_000  # a crashing failure restarts a worker per reproducing candidate

@dataclass
class ShrinkRequest:
    trace_path: str
    out: str | None = None
    budget_ms: int = DEFAULT_BUDGET_MS
    minimize: str = "all"
    jobs: int = 1
    limits: dict[str, int] = field(default_factory=dict)
    trust_target: bool = False  # run an fn: target even when it is not a project file
    invocation: Invocation = field(default_factory=Invocation)
    dask: str | None = None  # run candidates on this Dask cluster (`--dask`)


@dataclass
class ShrinkOutcome:
    """The minimized run's summary (its `tracePath` is the output file) and how it went."""

    summary: dict[str, Any]
    stats: dict[str, Any]

    def document(self) -> dict[str, Any]:
        return {**self.summary, "shrink": self.stats}


@dataclass
class _Shrunk:
    """What a kind-specific shrinker hands back for writing."""

    result: dict[str, Any]  # the final full run: status, findings, decisions, events, …
    scenario: dict[str, Any] | None
    original_size: int
    shrunk_size: int
    unit: str
    fuzz: dict[str, Any] | None = None
    explore: dict[str, Any] | None = None
    mode: str = "replay"


def default_out(path: Path) -> Path:
    name = path.name
    stem = name[: -len(".fozzy")] if name.endswith(".fozzy") else name
    return path.with_name(f"{stem}.min.fozzy")


def count_steps(steps: list[dict[str, Any]]) -> int:
    """Every step, nested ones included."""
    return sum(1 + count_steps(s.get("steps") or []) for s in steps)


def _batch_size(count: int, jobs: int) -> int:
    return max(1, count // (jobs * 2))


def check_request(req: ShrinkRequest) -> None:
    if req.minimize not in MINIMIZE:
        raise ArgumentError(f"--minimize must be one of {'|'.join(MINIMIZE)}, got"
                            f" {req.minimize!r}")
    if req.jobs < 1:
        raise ArgumentError(f"--jobs must be at least 1, got {req.jobs}")
    if req.budget_ms < 1:
        raise ArgumentError("--budget must be at least 1ms")


def execute_shrink(req: ShrinkRequest) -> ShrinkOutcome:
    check_request(req)
    path, doc = read_trace(req.trace_path)
    kind = trace_kind(doc)
    if req.minimize not in ACCEPTED[kind]:
        raise ArgumentError(
            f"--minimize {req.minimize} does not apply to {kind} traces (accepted:"
            f" {'|'.join(ACCEPTED[kind])})"
        )
    summary = doc["summary"]
    if summary["status"] == "pass":
        raise TraceError(f"trace {path} passed: there is no failure to shrink")
    if kind == "steps":
        _refuse_host(doc)
    if kind == "fuzz":
        from fozzy.trace.trust import require_trusted

        require_trusted(str(doc["fuzz"]["target"]), req.trust_target)
    wanted = signature(summary["status"], summary.get("findings") or [])
    target = resolve_target(req.out if req.out is not None else default_out(path))
    started_ns = time.time_ns()
    t0 = time.monotonic()
    deadline = t0 + req.budget_ms / 1000.0
    stats = ShrinkStats()

    def budget_left() -> bool:
        return time.monotonic() < deadline

    try:
        with make_executor(req.jobs, dask=req.dask, restart_budget=RESTART_BUDGET) as pool:
            if kind == "steps":
                shrunk = _shrink_steps(req, doc, wanted, pool, stats, budget_left)
            elif kind == "fuzz":
                shrunk = _shrink_fuzz(doc, wanted, pool, stats, budget_left)
            else:
                shrunk = _shrink_explore(req, doc, wanted, pool, stats, deadline)
        reproduce = replay_command(req.invocation, str(target), trust_target=req.trust_target)
        outcome = _write(shrunk, target, doc, started_ns, reproduce)
    except KeyboardInterrupt:
        release_target(target)
        return _interrupted(req, kind, wanted, stats, t0)
    except BaseException:
        release_target(target)
        raise
    outcome.stats.update({
        **_identity(req, kind, wanted),
        "unit": shrunk.unit,
        "original": shrunk.original_size,
        "shrunk": shrunk.shrunk_size,
        "candidates": stats.candidates,
        "levels": stats.levels,
        "accepted": stats.accepted,
        "outOfBudget": stats.out_of_budget,
        "wallMs": int((time.monotonic() - t0) * 1000),
        "jobs": req.jobs,
    })
    return outcome


def _identity(req: ShrinkRequest, kind: str, wanted: Signature) -> dict[str, Any]:
    return {"kind": kind, "minimize": req.minimize,
            "signature": {"status": wanted[0], "kind": wanted[1], "title": wanted[2]}}


def _interrupted(req: ShrinkRequest, kind: str, wanted: Signature, stats: ShrinkStats,
                 t0: float) -> ShrinkOutcome:
    """The partial report of a shrink stopped by a signal: how far it got. Nothing is written:
    the output trace must be a checked reproducer, and the checks are what was cut short."""
    from fozzy.executor.interrupted import interrupted_finding

    message = (f"shrink interrupted after {stats.candidates} candidates ({stats.accepted}"
               " accepted); no trace written")
    return ShrinkOutcome({"findings": [interrupted_finding(message)]}, {
        **_identity(req, kind, wanted),
        "candidates": stats.candidates,
        "levels": stats.levels,
        "accepted": stats.accepted,
        "wallMs": int((time.monotonic() - t0) * 1000),
        "jobs": req.jobs,
        "out": None,
    })


def _write(shrunk: _Shrunk, target: Path, doc: dict[str, Any], started_ns: int,
           reproduce: str) -> ShrinkOutcome:
    result = shrunk.result
    seed = int(doc["summary"]["identity"]["seed"])
    summary = build_summary(
        status=result["status"],
        mode=shrunk.mode,
        run_id=str(uuid.uuid4()),
        seed=seed,
        started_ns=started_ns,
        wall_ns=int(result.get("wallNs", 0)),
        trace_path=str(target),
        virtual_ms=result.get("virtualMs"),
        memory=memory_summary(result.get("memory")),
        findings=result["findings"],
        reproduce=reproduce,
    )
    trace = build_trace(
        mode=shrunk.mode,
        scenario_path=None,
        scenario=shrunk.scenario,
        decisions=result.get("decisions") or [],
        events=result.get("events") or [],
        summary=summary,
        memory=result.get("memory"),
        fuzz=shrunk.fuzz,
        explore=shrunk.explore,
    )
    write_trace(target, trace)
    return ShrinkOutcome(summary, {})


# -- steps traces ----------------------------------------------------------------------------


def _refuse_host(doc: dict[str, Any]) -> None:
    """Shrink re-runs candidates on scripted/virtual backends, which cannot reproduce what a
    host backend did. The trace's `backends` member decides, not its host events: a host step
    that timed out or failed before emitting an event would otherwise slip through and only
    fail later as a baseline that "no longer reproduces"."""
    host = sorted(recorded_host_families(doc))
    if host:
        raise TraceError(
            f"trace was recorded with host backends ({', '.join(host)}); shrink re-runs"
            " candidates on scripted/virtual backends, which cannot reproduce host effects"
            " (record the scenario with scripted rules to shrink it)"
        )


def _shrink_steps(
    req: ShrinkRequest,
    doc: dict[str, Any],
    wanted: Signature,
    pool: Executor,
    stats: ShrinkStats,
    budget_left: Callable[[], bool],
) -> _Shrunk:
    scenario = doc["scenario"]
    steps = list(scenario["steps"])
    # Everything but the steps a candidate keeps goes to each worker once (see
    # workers.candidates): a candidate is indexes into `steps` plus any rewritten step.
    shared: dict[str, Any] = {
        "scenario": {k: v for k, v in scenario.items() if k != "steps"},
        "base_steps": steps,
        "scenario_path": doc.get("scenario_path"),
        "seed": int(doc["summary"]["identity"]["seed"]),
        "det": True,
        "timeout_ms": None,
        "backends": dict(SCRIPTED),
        "memory": dict((doc.get("memory") or {}).get("options") or {}),
        "limits": req.limits,
        "cwd": os.getcwd(),
        "replay": None,
    }
    position = {id(s): i for i, s in enumerate(steps)}

    def spec(candidate: list[dict[str, Any]], trim: bool) -> dict[str, Any]:
        return {"step_refs": [position.get(id(s), s) for s in candidate], "trim": trim}

    def run(items: list[dict[str, Any]], deadline_ms: int) -> list[dict[str, Any]]:
        results = dict(pool.run(items, batch_size=_batch_size(len(items), pool.jobs),
                                op="run_refs", deadline_ms=lambda _: deadline_ms,
                                shared=shared))
        return [results[i] for i in range(len(items))]

    # Every worker runs the baseline: one result is needed, and the copies cost nothing on
    # the critical path (the step is serial anyway) while each worker pays its first-run
    # costs (copy-on-write faults, cold caches: several ms) before the first parallel wave.
    baseline = run([spec(steps, False)] * pool.jobs, MIN_CANDIDATE_MS * 6)[0]
    got = signature(baseline["status"], baseline["findings"])
    if got != wanted:
        raise TraceError(
            f"baseline no longer reproduces the trace's failure: the trace recorded"
            f" {describe(wanted)}, re-running its scenario gives {describe(got)}"
        )
    per_candidate = max(MIN_CANDIDATE_MS, 20 * int(baseline.get("wallNs", 0)) // 1_000_000)
    failure = StepFailure.of(baseline)

    def still_fails(candidates: list[Candidate]) -> list[bool]:
        results = run([spec(c.steps, True) for c in candidates], per_candidate)
        return [failure.matches(r, c) for c, r in zip(candidates, results, strict=True)]

    best = shrink_candidate(steps, still_fails, stats, budget_left, width=pool.jobs)
    shrunk = best.steps
    final = baseline if shrunk == steps else run([spec(shrunk, False)], per_candidate)[0]
    _check_final(final, wanted, "the shrunk scenario")
    replayed = run(
        [{**spec(shrunk, True), "replay": {"decisions": final["decisions"],
                                           "recorded_status": final["status"]}}],
        per_candidate,
    )[0]
    _check_final(replayed, wanted, "a replay of the shrunk trace")
    if not failure.matches(final, best):
        raise FozzyError("the shrunk scenario fails at a different step than the original")
    return _Shrunk(final, {**scenario, "steps": shrunk}, count_steps(steps),
                   count_steps(shrunk), "steps")


def _check_final(result: dict[str, Any], wanted: Signature, what: str) -> None:
    got = signature(result["status"], result["findings"])
    if got != wanted:
        detail = f": {result['error']}" if "error" in result else ""
        raise FozzyError(f"{what} ends {describe(got)} instead of {describe(wanted)}{detail}")


# -- fuzz traces (fn targets) ----------------------------------------------------------------


def _shrink_fuzz(
    doc: dict[str, Any],
    wanted: Signature,
    pool: Executor,
    stats: ShrinkStats,
    budget_left: Callable[[], bool],
) -> _Shrunk:
    name = str(doc["fuzz"]["target"])
    if not name.startswith("fn:"):
        raise TraceError(f"fuzz trace target {name!r} embeds no scenario and is not an fn: target")
    try:
        data = bytes.fromhex(doc["fuzz"]["input_hex"])
    except ValueError:
        raise TraceError("fuzz trace input_hex is not hex") from None
    target = {"kind": "fn", "spec": name[3:], "cwd": os.getcwd()}

    def evaluate(inputs: list[bytes]) -> list[dict[str, Any]]:
        size = max(1, -(-len(inputs) // pool.jobs))
        items = [{"target": target, "inputs": [x.hex() for x in inputs[i:i + size]]}
                 for i in range(0, len(inputs), size)]
        results = dict(pool.run(items, op="fuzz_eval",
                                deadline_ms=lambda _: MIN_CANDIDATE_MS * 6))
        out: list[dict[str, Any]] = []
        for i in range(len(items)):
            res = results[i]
            if "outcomes" not in res:
                message = res["findings"][0]["message"] if res.get("findings") else res
                raise FozzyError(f"fuzz target {name} could not be evaluated: {message}")
            out.extend(res["outcomes"])
        return out

    original = evaluate([data])[0]
    got = signature(original["status"], [original["finding"]] if original["finding"] else [])
    if got != wanted:
        raise TraceError(f"baseline no longer reproduces the trace's failure: the trace"
                         f" recorded {describe(wanted)}, the input now gives {describe(got)}")
    exact = original["signature"]

    def still_fails(candidates: list[list[int]]) -> list[bool]:
        return [o["signature"] == exact for o in evaluate([bytes(c) for c in candidates])]

    octets: list[int] = list(data)
    kept: list[int] = ddmin(octets, still_fails, stats, budget_left, width=pool.jobs)
    small = bytes(kept)
    final = evaluate([small])[0]
    if final["signature"] != exact:
        raise FozzyError(f"the shrunk input fails as {final['signature']!r} instead of"
                         f" {exact!r}")
    result = {"status": final["status"], "findings": [final["finding"]],
              "decisions": [], "events": []}
    return _Shrunk(result, None, len(data), len(small), "bytes",
                   fuzz={"target": name, "input_hex": small.hex()}, mode="fuzz")


# -- explore traces --------------------------------------------------------------------------


def _where(res: dict[str, Any]) -> Any:
    """The violated invariant's index (explore findings carry it in `location`)."""
    finding = res.get("finding") or {}
    return (finding.get("location") or {}).get("invariant")


def _shrink_explore(
    req: ShrinkRequest,
    doc: dict[str, Any],
    wanted: Signature,
    pool: Executor,
    stats: ShrinkStats,
    deadline: float,
) -> _Shrunk:
    from workers.cluster.explore import choices_from_decisions
    from workers.cluster.faults import FAULT_TYPES
    from workers.cluster.model import ClusterError
    from workers.cluster.schedule import STEP

    explore = doc["explore"]
    effective = explore.get("scenario") if isinstance(explore, dict) else None
    if not isinstance(effective, dict) or "steps" not in effective:
        raise TraceError("explore trace embeds no effective cluster (explore.scenario)")
    cluster = {k: effective[k] for k in ("nodes", "steps", "invariants")}
    try:
        choices = choices_from_decisions(doc["decisions"])
    except ClusterError as e:
        raise TraceError(f"explore trace decisions: {e}") from None

    def remaining_ms() -> int:
        return max(1, int((deadline - time.monotonic()) * 1000))

    def replay(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = dict(pool.run(items, batch_size=_batch_size(len(items), pool.jobs),
                                op="explore_replay",
                                deadline_ms=lambda it: int(it.get("shrink_ms") or 0)
                                + MIN_CANDIDATE_MS))
        return [results[i] for i in range(len(items))]

    def sig(res: dict[str, Any]) -> Signature:
        if "choices" not in res:  # drift (item error) or a synthesized hang/crash result
            return ("error", "", "")
        return signature(res["status"], [res["finding"]] if res["finding"] else [])

    first = replay([{"cluster": cluster, "choices": choices}])[0]

    def same(res: dict[str, Any]) -> bool:
        """The same signature from the same invariant (its index in `location`)."""
        return sig(res) == wanted and _where(res) == _where(first)

    if sig(first) != wanted:
        raise TraceError(f"baseline no longer reproduces the trace's failure: the trace"
                         f" recorded {describe(wanted)}, replaying it gives {describe(sig(first))}")
    original_len = len(first["choices"])
    original_faults = sum(s["type"] in FAULT_TYPES for s in cluster["steps"])

    def shrink_schedule(cl: dict[str, Any], ch: list[int]) -> list[int]:
        res = replay([{"cluster": cl, "choices": ch, "shrink": True,
                       "shrink_ms": remaining_ms()}])[0]
        stats.candidates += 1
        if not same(res):
            return ch
        explicit: list[int] = res["explicit"]
        if len(explicit) < len(ch):
            stats.accepted += 1
        return explicit

    def without_faults(cl: dict[str, Any], ch: list[int], keep: list[int]
                       ) -> tuple[dict[str, Any], list[int]]:
        """Drop the fault steps not in `keep`, and the schedule's picks of those steps."""
        drop = {i for i, s in enumerate(cl["steps"]) if s["type"] in FAULT_TYPES} - set(keep)
        steps = [s for i, s in enumerate(cl["steps"]) if i not in drop]
        out: list[int] = []
        script_pos = 0
        for c in ch:
            if c == STEP:
                script_pos += 1
                if script_pos - 1 in drop:
                    continue
            out.append(c)
        return {**cl, "steps": steps}, out

    if req.minimize in ("schedule", "all"):
        choices = shrink_schedule(cluster, choices)
    if req.minimize in ("faults", "all"):
        faults = [i for i, s in enumerate(cluster["steps"]) if s["type"] in FAULT_TYPES]

        def still_fails(candidates: list[list[int]]) -> list[bool]:
            items = []
            for keep in candidates:
                cl, ch = without_faults(cluster, choices, keep)
                items.append({"cluster": cl, "choices": ch})
            return [same(r) for r in replay(items)]

        kept = ddmin(faults, still_fails, stats, lambda: time.monotonic() < deadline,
                     min_len=0, width=pool.jobs)
        if len(kept) < len(faults):
            cluster, choices = without_faults(cluster, choices, kept)
            if req.minimize == "all" and time.monotonic() < deadline:
                choices = shrink_schedule(cluster, choices)
    final = replay([{"cluster": cluster, "choices": choices}])[0]
    if not same(final):
        raise FozzyError(f"the shrunk schedule ends {describe(sig(final))} instead of"
                         f" {describe(wanted)}")
    effective_doc = {**effective, **cluster}
    report = {**explore, "scenario": effective_doc, "choices": final["explicit"],
              "scheduleLength": len(final["choices"]), "shrunkFrom": original_len}
    result = {"status": final["status"], "findings": [final["finding"]],
              "decisions": final["decisions"], "events": final["events"],
              "wallNs": final["wallNs"]}
    if req.minimize == "faults":
        original, shrunk, unit = original_faults, sum(
            s["type"] in FAULT_TYPES for s in cluster["steps"]), "faults"
    else:
        original, shrunk, unit = original_len, len(final["explicit"]), "choices"
    return _Shrunk(result, None, original, shrunk, unit, explore=report, mode="explore")
