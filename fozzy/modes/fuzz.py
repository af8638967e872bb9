"""`fozzy fuzz`: a fuzzing campaign on the worker pool.

Targets: `scenario:<path>` (or a `*.fozzy.json` path) mutates the scenario's inputs — never its
oracles — with the backends the command was given, so with host backends it fuzzes a real
program or service; `fn:<module>:<callable>` fuzzes a Python callable taking `bytes`. Workers
fuzz batches locally; the coordinator merges their corpus additions and crashes in batch
order (see fozzy.fuzzing.campaign). Crashes are deduplicated by signature, their inputs saved
as soon as they are found, and each is recorded as a trace that `replay` reproduces and
`shrink` minimises.
"""

from __future__ import annotations

import functools
import importlib
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from fozzy.errors import ArgumentError, worst
from fozzy.executor.seam import Executor, make_executor
from fozzy.fuzzing.campaign import (
    FN_BATCH_EXECS,
    MAX_CORPUS_LIMIT,
    SCENARIO_BATCH_EXECS,
    TIMED_BATCH_EXECS,
    Budget,
    CampaignState,
    batch_seed,
    plan_round,
    round_time_ms,
    time_deadline,
)
from fozzy.fuzzing.corpus import write_input
from fozzy.fuzzing.evaluate import lost_crash, seed_state, worker_lost
from fozzy.fuzzing.targets import (
    FuzzRequest,
    Target,
    corpus_dir,
    exec_timeout_ms,
    initial_corpus,
    resolve_target,
)

if TYPE_CHECKING:
    from fozzy.executor.finalize import Finalized

#: What a campaign needs only once its search is over: imported while the first inputs run
# (`meanwhile`), on the coordinator's otherwise idle wait, rather than before the first fork.
FINISHING_MODULES = (
    "fozzy.artifacts.summary",
    "fozzy.executor.finalize",
    "fozzy.executor.interrupted",
    "fozzy.fuzzing.crashes",
    "fozzy.trace.model",
    "fozzy.trace.trust",
    "fozzy.trace.writer",
)

GRACE_MS = 10_000  # beyond a batch's own time budget before the pool steps in
CAMPAIGN_RESTARTS = 10_000


class Stats(NamedTuple):
    execs: int
    corpus: int
    features: int
    crashes: int
    elapsed: float


def _batch_item(target: Target, req: FuzzRequest, state: CampaignState, batch_no: int,
                execs: int, budget: Budget, fresh: list[bytes], scratch: Path
                ) -> dict[str, Any]:
    time_ms = round_time_ms(budget)
    per_exec = exec_timeout_ms(req, target)
    # The pool's backstop: the batch's own clock, or (--runs) every exec hitting its alarm.
    deadline = time_ms if per_exec is None else min(time_ms, execs * per_exec)
    return {
        "fresh": [c.hex() for c in fresh],
        "crash_only": req.crash_only,
        "target": target.spec,
        "corpus": [c.hex() for c in state.corpus],
        "corpus_room": state.room,
        "seen": sorted(state.seen),
        "seed": batch_seed(req.seed, batch_no),
        "execs": execs,
        "time_ms": time_ms,
        "deadline_ms": deadline + GRACE_MS,
        "exec_timeout_ms": per_exec,
        "cur_input": str(scratch / f"batch-{batch_no}.cur"),
        "mode": req.mode,
        "mutators": req.mutators,
        "max_input": req.max_input,
        "compare_feedback": req.compare_feedback,
    }


def _round_item(target: Target, req: FuzzRequest, state: CampaignState, budget: Budget,
                todo: list[bytes], jobs: int, scratch: Path, batch_no: int, execs: int
                ) -> dict[str, Any]:
    """Batch `batch_no` of a round: its share of the entries whose stage is still to run."""
    return _batch_item(target, req, state, batch_no, execs, budget,
                       todo[batch_no % jobs::jobs], scratch)


def run_campaign(
    req: FuzzRequest,
    target: Target,
    pool: Executor,
    directory: Path,
    scratch: Path,
    on_progress: Callable[[Stats], None] = lambda s: None,
    samples: list[dict[str, Any]] | None = None,
) -> tuple[CampaignState, float, bool]:
    """The campaign's state when it ended, its seconds, and whether a signal ended it (the
    state then holds what was done so far: every crash and corpus entry is already saved).
    With `samples`, each batch's sampled stacks (`--profile-cpu`) are appended to it."""
    budget = Budget(req.runs, time_deadline(req.started, req.time_ms))
    t0 = time.monotonic()
    eval_timeout = (req.timeout_ms or 60_000) * 4 + GRACE_MS
    corpus = initial_corpus(directory, target)
    state = CampaignState(corpus=[])
    try:
        state = seed_state(pool, target, corpus, pool.jobs, eval_timeout, scratch,
                            exec_timeout_ms(req, target), req.max_corpus,
                            meanwhile=import_finishing)
        _rounds(req, target, pool, directory, scratch, state, budget, t0, on_progress, samples)
    except KeyboardInterrupt:
        return state, time.monotonic() - t0, True
    return state, time.monotonic() - t0, False


def _rounds(req: FuzzRequest, target: Target, pool: Executor, directory: Path,
            scratch: Path, state: CampaignState, budget: Budget, t0: float,
            on_progress: Callable[[Stats], None],
            samples: list[dict[str, Any]] | None) -> None:
    per_batch = SCENARIO_BATCH_EXECS if target.is_scenario else FN_BATCH_EXECS
    if budget.deadline is not None:
        per_batch = TIMED_BATCH_EXECS
    # The starting corpus gets the deterministic dictionary stage, split across the first
    # round's batches; later entries get it from the worker that found them, and a stage a
    # batch could not finish is handed on to the next round.
    unexplored = list(state.corpus) if req.dictionary else []
    while not budget.exhausted(state.execs) and not (req.crash_only and state.crashes):
        items = plan_round(
            state, budget, pool.jobs, per_batch,
            functools.partial(_round_item, target, req, state, budget, unexplored, pool.jobs,
                              scratch),
        )
        if not items:
            break
        if samples is not None:
            for item in items:
                item["profile_cpu"] = True
        results = dict(pool.run(items, op="fuzz", deadline_ms=lambda it: it["deadline_ms"]))
        if samples is not None:
            samples += [r["samples"] for r in results.values() if r.get("samples")]
        unexplored = [bytes.fromhex(h) for i in range(len(items))
                      for h in results[i].get("unstaged") or ()]
        before = state.execs
        for i, item in enumerate(items):
            if worker_lost(results[i]):
                state.execs += int(item["execs"])  # the batch's count, as far as it got
                lost = lost_crash(results[i], item["cur_input"], state.execs)
                if lost is not None and lost.signature not in state.crashes:
                    state.crashes[lost.signature] = lost
                    write_input(directory / "crashes", lost.input, "crash")
                continue
            added, fresh = state.merge(results[i])
            for data in added:
                write_input(directory, data)
            for crash in fresh:
                write_input(directory / "crashes", crash.input, "crash")
        on_progress(Stats(state.execs, len(state.corpus), len(state.seen),
                          len(state.crashes), time.monotonic() - t0))
        if state.execs == before:
            break  # no batch could make a mutant (every mutator kept failing validation)


def import_finishing() -> None:
    for name in FINISHING_MODULES:
        importlib.import_module(name)


def _sampled_measurements(parts: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    if not parts:
        return None
    from workers.fuzz.sampler import as_measurements, merge

    merged = merge(parts)
    return None if merged is None else as_measurements(merged)


def execute_fuzz(
    req: FuzzRequest, on_progress: Callable[[Stats], None] = lambda s: None
) -> Finalized:
    if req.mode not in ("coverage", "property"):
        raise ArgumentError(f"--mode must be coverage or property, got {req.mode!r}")
    if not 1 <= req.max_corpus <= MAX_CORPUS_LIMIT:
        raise ArgumentError(
            f"--max-corpus must be between 1 and {MAX_CORPUS_LIMIT}, got {req.max_corpus}")
    if req.started is None:
        req = req._replace(started=time.monotonic())
    target = resolve_target(req)
    if req.profile_cpu and target.is_scenario:
        raise ArgumentError("--profile-cpu samples the Python frames of fn: targets; a"
                            " scenario target's steps are measured in every recorded run")
    directory = corpus_dir(req, target)
    timeout_ms = (req.timeout_ms or 60_000) * 4 + GRACE_MS
    started_ns = time.time_ns()
    t0 = time.perf_counter_ns()
    scratch = Path(tempfile.mkdtemp(prefix="fozzy-fuzz-"))
    per_exec = exec_timeout_ms(req, target)
    # Crashes are what a campaign looks for: a worker lost to one is replaced, not a reason
    # to stop.
    with make_executor(req.jobs, dask=req.dask, restart_budget=CAMPAIGN_RESTARTS) as pool:
        try:
            sampled: list[dict[str, Any]] | None = [] if req.profile_cpu else None
            state, elapsed, interrupted = run_campaign(req, target, pool, directory, scratch,
                                                       on_progress, sampled)
            from fozzy.fuzzing.crashes import (
                CrashTraces,
                RecordedCrash,
                minimize_crash,
                rerun_crashes,
            )

            crashes = list(state.crashes.values())
            until = time_deadline(req.started, req.time_ms)
            minimized = [c.input for c in crashes]
            if req.minimize and not interrupted:
                try:
                    minimized = [minimize_crash(pool, target, c, timeout_ms, scratch, per_exec,
                                                until)
                                 for c in crashes]
                except KeyboardInterrupt:
                    interrupted = True
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for c, small in zip(crashes, minimized, strict=True):
            if small != c.input:
                write_input(directory / "crashes", small, "crash", ".min.bin")
        # Interrupted: no re-runs, so no traces; the crash inputs are saved already.
        reruns = [None] * len(crashes) if interrupted else rerun_crashes(pool, target, minimized,
                                                                   timeout_ms)
    wall_ns = time.perf_counter_ns() - t0
    from fozzy.artifacts.summary import collapse_findings
    from fozzy.executor.finalize import ArtifactOptions, Execution, finalize
    from fozzy.executor.interrupted import interrupted_finding, interrupted_status

    recorded = [RecordedCrash(c, small, r)
                for c, small, r in zip(crashes, minimized, reruns, strict=True)]
    findings = [rc.crash.finding for rc in recorded if rc.crash.finding]
    # Interrupted: no traces, so no replay commands; the crash inputs are saved already.
    writer = CrashTraces(req, target, directory, recorded) if recorded and not interrupted else None
    if writer is not None:
        writer.reserve()
    commands: list[str | None] = (
        [writer.reproduce(rc) for rc in recorded] if writer is not None else [None] * len(recorded))
    status = worst([c.status for c in crashes]) if crashes else "pass"
    if interrupted:
        status = interrupted_status(status)
        findings.append(interrupted_finding(
            f"fuzz interrupted after {state.execs} executions; crash inputs are in"
            f" {directory / 'crashes'}, no traces recorded"))
    execution = Execution(
        mode="fuzz",
        seed=req.seed,
        status=status,
        started_ns=started_ns,
        wall_ns=wall_ns,
        findings=collapse_findings(findings),
        measurements=_sampled_measurements(sampled),
        # The first crash with the campaign's (worst) status stands for the campaign.
        reproduce=next((cmd for rc, cmd in zip(recorded, commands, strict=True)
                        if rc.crash.status == status), None),
        extra={"fuzz": {
            "target": target.name,
            "mode": req.mode,
            "executed": state.execs,
            "rejected": state.rejected,
            "execsPerSecond": round(state.execs / elapsed) if elapsed > 0 else 0,
            "rounds": state.rounds,
            "features": len(state.seen),
            "corpusDir": str(directory.resolve()),
            "corpusEntries": len(state.corpus),
            "maxCorpus": req.max_corpus,
            "newCorpusEntries": state.new_entries,
            "crashes": [
                {"signature": rc.crash.signature, "status": rc.crash.status,
                 "foundAtExec": rc.crash.found_at_exec, "inputBytes": len(rc.crash.input),
                 "minimizedBytes": len(rc.input),
                 "tracePath": None if rc.path is None else str(rc.path),
                 "reproduce": cmd}
                for rc, cmd in zip(recorded, commands, strict=True)
            ],
        }},
    )
    return finalize(execution, req.base_dir, ArtifactOptions(reporter=req.reporter),
                    trace=writer)
