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

import dataclasses
import functools
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fozzy.artifacts.reproduce import Invocation, replay_command
from fozzy.artifacts.summary import collapse_findings
from fozzy.errors import ArgumentError, FozzyError, worst
from fozzy.executor.finalize import ArtifactOptions, Execution, Finalized, finalize
from fozzy.executor.interrupted import interrupted_finding, interrupted_status
from fozzy.executor.seam import Executor, make_executor
from fozzy.fuzzing.campaign import (
    DEFAULT_MAX_CORPUS,
    FN_BATCH_EXECS,
    FN_SEEDS,
    MAX_CORPUS_LIMIT,
    SCENARIO_BATCH_EXECS,
    TIMED_BATCH_EXECS,
    Budget,
    CampaignState,
    Crash,
    batch_seed,
    plan_round,
    round_time_ms,
    time_deadline,
)
from fozzy.fuzzing.corpus import content_name, load_inputs, write_input

if TYPE_CHECKING:
    from fozzy.shrink.steps import Candidate
    from workers.fuzz.scenario_mutators import ScenarioInput

GRACE_MS = 10_000  # beyond a batch's own time budget before the pool steps in
CAMPAIGN_RESTARTS = 10_000


@dataclass
class FuzzRequest:
    target: str
    seed: int
    mode: str = "coverage"
    runs: int | None = None
    time_ms: int | None = None
    jobs: int = 1
    dask: str | None = None
    max_input: int = 4096
    max_corpus: int = DEFAULT_MAX_CORPUS
    started: float | None = None  # time.monotonic() the command started (--time counts from it)
    corpus: str | None = None
    mutators: list[str] = field(default_factory=list)
    dictionary: list[bytes] = field(default_factory=list)
    crash_only: bool = False
    compare_feedback: bool = True
    minimize: bool = False
    record: str | None = None
    record_collision: str = "append"
    reporter: str = "pretty"
    timeout_ms: int | None = None
    memory: dict[str, Any] = field(default_factory=dict)
    backends: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    base_dir: str = ".fozzy"
    profile_cpu: bool = False  # sample the fn: target's stacks (workers.fuzz.sampler)
    invocation: Invocation = field(default_factory=Invocation)


@dataclass
class Target:
    """The resolved target: its canonical string and the worker-side description."""

    name: str
    spec: dict[str, Any]
    seeds: list[bytes]

    @property
    def is_scenario(self) -> bool:
        return bool(self.spec["kind"] == "scenario")


@dataclass
class Stats:
    execs: int
    corpus: int
    features: int
    crashes: int
    elapsed: float


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "target"


def _check_mutator_names(names: list[str]) -> None:
    """Loaded only when `--mutator` is given: the scenario mutators import the step registry,
    which an `fn:` campaign otherwise never needs."""
    from workers.fuzz.bytes_mutators import BYTE_MUTATORS
    from workers.fuzz.json_mutators import JSON_MUTATOR
    from workers.fuzz.scenario_mutators import SCENARIO_MUTATORS

    known = set(BYTE_MUTATORS) | set(SCENARIO_MUTATORS) | {JSON_MUTATOR}
    unknown = [m for m in names if m not in known]
    if unknown:
        raise ArgumentError(
            f"unknown --mutator {', '.join(unknown)}; choose from {', '.join(sorted(known))}"
        )


def resolve_target(req: FuzzRequest) -> Target:
    if req.mutators:
        _check_mutator_names(req.mutators)
    text = req.target.strip()
    if text.startswith("fn:"):
        spec = text[3:].strip()
        module, sep, attr = spec.rpartition(":")
        if not sep or not module or not attr:
            raise ArgumentError(f"fuzz target must be fn:<module>:<callable>, got {text!r}")
        return Target(f"fn:{spec}", {"kind": "fn", "spec": spec, "cwd": os.getcwd(),
                                     "dictionary": [t.hex() for t in req.dictionary]},
                      list(FN_SEEDS))
    path = text[len("scenario:"):].strip() if text.startswith("scenario:") else text
    if not path or not (text.startswith("scenario:") or path.endswith(".fozzy.json")):
        raise ArgumentError(
            f"unsupported fuzz target {text!r} (expected scenario:<path>, <path>.fozzy.json"
            " or fn:<module>:<callable>)"
        )
    return _scenario_target(req, path)


def _scenario_target(req: FuzzRequest, path: str) -> Target:
    from fozzy.scenario.load import load_scenario
    from fozzy.scenario.validate import require_steps, validate_scenario
    from workers.fuzz.campaign import encode_scenario_input
    from workers.fuzz.mocks import real_step_types
    from workers.fuzz.scenario_mutators import ScenarioInput

    scn = load_scenario(path)
    if scn.variant == "distributed":
        raise FozzyError(
            f"{path} is a distributed scenario: search its schedules with `fozzy explore`"
        )
    require_steps(scn)
    validate_scenario(scn)
    run = {
        "scenario_path": path, "det": True, "timeout_ms": req.timeout_ms,
        "backends": req.backends, "memory": req.memory, "limits": req.limits,
        "cwd": os.getcwd(), "replay": None, "service_oracle": True,
    }
    _require_mutable(req, ScenarioInput(req.seed, scn.doc["steps"],
                                        real_step_types(req.backends)), path)
    seed_input = encode_scenario_input(ScenarioInput(req.seed, scn.doc["steps"]))
    spec = {"kind": "scenario", "doc": scn.doc, "run": run,
            "dictionary": [t.hex() for t in req.dictionary]}
    return Target(f"scenario:{path}", spec, [seed_input])


def _require_mutable(req: FuzzRequest, base: ScenarioInput, path: str) -> None:
    """A `--mutator` that cannot change this scenario would be ignored (byte mutators work
    on string fields): a flag error."""
    from workers.fuzz.scenario_mutators import SCENARIO_MUTATORS, applies

    fields_ok = applies(base, ["field"])
    unusable = [m for m in req.mutators
                if not (applies(base, [m]) if m in SCENARIO_MUTATORS else fields_ok)]
    if unusable:
        raise ArgumentError(
            f"--mutator {', '.join(unusable)} cannot change {path} with these backends: its"
            " inputs reach no real system (under scripted backends the mock is the system;"
            " use --mutator seed, or --proc-backend/--http-backend/--fs-backend host)"
        )


def _check_scenario_input(data: bytes, where: Path) -> bytes:
    """A corpus entry for a scenario target must be a runnable mutant, never anything else;
    returned with its steps in parsed form (defaults filled), as the workers run them."""
    import orjson

    from workers.steps.parse import StepParseError, parse_steps

    try:
        value = orjson.loads(data)
        if not isinstance(value, dict) or not isinstance(value.get("seed"), int):
            raise ValueError("expected {seed, steps}")
        steps = parse_steps(value.get("steps"), "/steps")
    except (orjson.JSONDecodeError, ValueError, StepParseError) as e:
        raise FozzyError(f"corpus entry {where} is not an input for this scenario: {e}") from None
    return orjson.dumps({"seed": value["seed"], "steps": steps})


def corpus_dir(req: FuzzRequest, target: Target) -> Path:
    if req.corpus is not None:
        return Path(req.corpus)
    return Path(req.base_dir) / "corpora" / _slug(target.name)


def initial_corpus(directory: Path, target: Target) -> list[bytes]:
    inputs = load_inputs(directory)
    if target.is_scenario:
        inputs = [_check_scenario_input(data, directory / content_name(data))
                  for data in inputs]
    return inputs or list(target.seeds)


DEFAULT_FN_EXEC_TIMEOUT_MS = 1000  # a call to an fn: target running longer is a hang finding


def exec_timeout_ms(req: FuzzRequest, target: Target) -> int | None:
    """fn: targets run in the worker's own interpreter, so each call gets an alarm; scenario
    runs carry the scenario timeout in their RunSpec instead."""
    if target.is_scenario:
        return None
    return req.timeout_ms or DEFAULT_FN_EXEC_TIMEOUT_MS


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


def _worker_lost(result: dict[str, Any]) -> bool:
    """The pool's synthetic result for an item whose worker died or hung."""
    if "error" in result:
        raise FozzyError(f"fuzz target failed in the worker: {result['error']}")
    findings = result.get("findings") or []
    if findings and findings[0].get("title") == "worker_error":
        # The handler itself raised (an unimportable target, say): bad input, not a crash.
        raise FozzyError(findings[0]["message"])
    return "findings" in result and result.get("status") in ("timeout", "crash")


def _lost_crash(result: dict[str, Any], cur_input: str, at_exec: int) -> Crash | None:
    """The input a dead or hung worker was running (from its current-input file)."""
    try:
        data = Path(cur_input).read_bytes()
    except OSError:
        return None
    found = result["findings"][0] if result["findings"] else {}
    return Crash(f"{result['status']}|{found.get('title', 'worker')}", data, result["status"],
                 found, at_exec)


def _evaluate(pool: Executor, target: Target, inputs: list[bytes], jobs: int,
              timeout_ms: int, scratch: Path, per_exec: int | None = None,
              value_profile: bool = True) -> list[dict[str, Any]]:
    """Run inputs once each (split across workers); outcomes in input order. An input that
    kills or hangs its worker gets a crash/timeout outcome and the rest of its chunk runs on.
    Without `value_profile`, an fn: input's features are the blocks it reached only."""
    outcomes: list[dict[str, Any] | None] = [None] * len(inputs)
    size = max(1, -(-len(inputs) // jobs))
    pending = [list(range(i, min(i + size, len(inputs)))) for i in range(0, len(inputs), size)]
    while pending:
        items = [{"target": target.spec, "inputs": [inputs[j].hex() for j in chunk],
                  "exec_timeout_ms": per_exec, "cur_input": str(scratch / f"eval-{n}.cur"),
                  "compare_feedback": value_profile}
                 for n, chunk in enumerate(pending)]
        results = dict(pool.run(items, op="fuzz_eval", deadline_ms=lambda _: timeout_ms))
        retry: list[list[int]] = []
        for n, chunk in enumerate(pending):
            res = results[n]
            if not _worker_lost(res):
                for j, out in zip(chunk, res["outcomes"], strict=True):
                    outcomes[j] = out
                continue
            lost = _lost_crash(res, str(scratch / f"eval-{n}.cur"), 0)
            at = next((k for k, j in enumerate(chunk) if lost and inputs[j] == lost.input), 0)
            outcomes[chunk[at]] = {
                "status": res["status"], "finding": lost.finding if lost else None,
                "signature": lost.signature if lost else res["status"], "features": [],
            }
            if chunk[at + 1:]:
                retry.append(chunk[at + 1:])
        pending = retry
    return [o for o in outcomes if o is not None]


def _seed_state(pool: Executor, target: Target, corpus: list[bytes], jobs: int,
                eval_timeout_ms: int, scratch: Path, per_exec: int | None,
                max_corpus: int) -> CampaignState:
    """The campaign's start: the stored corpus run once each. An entry the scripted mock
    does not answer (a mutant kept by a host-backend campaign) is rejected, not a parent;
    when none is left the scenario itself is the seed."""
    state = CampaignState(corpus=[], max_corpus=max_corpus)
    pending = corpus
    while pending:
        evaluated = _evaluate(pool, target, pending, jobs, eval_timeout_ms, scratch, per_exec)
        for data, out in zip(pending, evaluated, strict=True):
            state.execs += 1
            if out.get("rejected"):
                state.rejected += 1
                continue
            state.keep(data, bounded=False)
            state.seen |= set(out["features"])
            if out["status"] != "pass" and out["signature"] not in state.crashes:
                state.crashes[out["signature"]] = Crash(
                    out["signature"], data, out["status"], out["finding"] or {}, state.execs)
        pending = [] if state.corpus or pending == target.seeds else list(target.seeds)
    return state


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
        state = _seed_state(pool, target, corpus, pool.jobs, eval_timeout, scratch,
                            exec_timeout_ms(req, target), req.max_corpus)
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
            if _worker_lost(results[i]):
                state.execs += int(item["execs"])  # the batch's count, as far as it got
                lost = _lost_crash(results[i], item["cur_input"], state.execs)
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


MINIMIZE_SECONDS = 30.0


def _signature_oracle(pool: Executor, target: Target, signature: str,
                      encode: Callable[[Any], bytes], timeout_ms: int, scratch: Path,
                      per_exec: int | None) -> Callable[[list[Any]], list[bool]]:
    def still_fails(candidates: list[Any]) -> list[bool]:
        inputs = [encode(c) for c in candidates]
        outcomes = _evaluate(pool, target, inputs, pool.jobs, timeout_ms, scratch, per_exec)
        return [o["signature"] == signature for o in outcomes]

    return still_fails


def _step_oracle(pool: Executor, target: Target, crash: Crash,
                 encode: Callable[[list[dict[str, Any]]], bytes], timeout_ms: int,
                 scratch: Path, per_exec: int | None) -> Callable[[list[Candidate]], list[bool]]:
    """Scenario crashes: the same signature raised by the same step of the crashing input
    (a candidate's step maps back through its origins), as `fozzy shrink` requires."""
    wanted = _evaluate(pool, target, [crash.input], 1, timeout_ms, scratch, per_exec)[0]

    def still_fails(candidates: list[Candidate]) -> list[bool]:
        inputs = [encode(c.steps) for c in candidates]
        outcomes = _evaluate(pool, target, inputs, pool.jobs, timeout_ms, scratch, per_exec)
        return [o["signature"] == crash.signature
                and c.origin(o.get("failedStep")) == wanted.get("failedStep")
                for c, o in zip(candidates, outcomes, strict=True)]

    return still_fails


def minimize_crash(pool: Executor, target: Target, crash: Crash, timeout_ms: int,
                   scratch: Path, per_exec: int | None, until: float | None = None) -> bytes:
    """The smallest input found that fails with the same signature (steps for scenario
    targets, bytes for fn targets), within a per-crash time budget and by `until` (the
    `--time` deadline) at the latest."""
    from fozzy.shrink.ddmin import ShrinkStats, ddmin
    from fozzy.shrink.steps import shrink_steps
    from workers.fuzz.campaign import encode_scenario_input
    from workers.fuzz.scenario_mutators import ScenarioInput

    deadline = time.monotonic() + MINIMIZE_SECONDS
    if until is not None:
        deadline = min(deadline, until)
    stats = ShrinkStats()

    def budget_left() -> bool:
        return time.monotonic() < deadline

    if target.is_scenario:
        import orjson

        value = orjson.loads(crash.input)
        seed = int(value["seed"])

        def encode_steps(steps: list[dict[str, Any]]) -> bytes:
            return encode_scenario_input(ScenarioInput(seed, steps))

        step_oracle = _step_oracle(pool, target, crash, encode_steps, timeout_ms, scratch,
                                   per_exec)
        steps = shrink_steps(value["steps"], step_oracle, stats, budget_left, width=pool.jobs)
        return encode_steps(steps)
    byte_oracle = _signature_oracle(pool, target, crash.signature, bytes, timeout_ms, scratch,
                                    per_exec)
    return bytes(ddmin(list(crash.input), byte_oracle, stats, budget_left, width=pool.jobs))


@dataclass
class RecordedCrash:
    crash: Crash
    input: bytes  # minimized when --minimize, else the crashing input
    result: dict[str, Any] | None  # a full re-run (scenario targets): events, decisions
    path: Path | None = None


class CrashTraces:
    """The TraceWriter for a campaign: one trace per distinct crash.

    The first goes to `--record PATH` (collision policy applied) or next to its input in
    `<corpus>/crashes/`; further crashes go next to `--record` with `append` naming, or to
    their own content-addressed names. Every trace embeds that crash's own summary.
    """

    def __init__(self, req: FuzzRequest, target: Target, directory: Path,
                 crashes: list[RecordedCrash]) -> None:
        self.req = req
        self.target_ = target
        self.directory = directory
        self.crashes = crashes

    @property
    def requested(self) -> bool:
        return self.req.record is not None

    def target(self, run_dir: Path, status: str) -> Path | None:
        if any(rc.path is None for rc in self.crashes):
            self.reserve()
        return self.crashes[0].path if self.crashes else None

    def reserve(self) -> None:
        """Every crash's final trace path (collision policy applied), before the summary
        that names them is built."""
        from fozzy.trace.writer import release_target, resolve_target

        reserved: list[Path] = []
        try:
            for i, rc in enumerate(self.crashes):
                if self.req.record is not None:
                    policy = self.req.record_collision if i == 0 else "append"
                    rc.path = resolve_target(self.req.record, policy)
                else:
                    name = content_name(rc.input, "crash", ".fozzy")
                    rc.path = resolve_target(self.directory / "crashes" / name, "overwrite")
                reserved.append(rc.path)
        except FozzyError:
            for p in reserved:
                release_target(p)
            raise

    def reproduce(self, rc: RecordedCrash) -> str:
        """`fozzy replay` of the crash's trace: the mutant (or fn input) exists only there."""
        from fozzy.trace.trust import check_target

        assert rc.path is not None
        untrusted = not self.target_.is_scenario and not check_target(self.target_.name).trusted
        return replay_command(self.req.invocation, str(rc.path), trust_target=untrusted)

    def write(self, path: Path, summary: dict[str, Any], execution: Execution) -> None:
        for rc in self.crashes:
            assert rc.path is not None
            self._write_one(rc, rc.path, summary["identity"]["runId"])

    def _write_one(self, rc: RecordedCrash, path: Path, run_id: str) -> None:
        from fozzy.artifacts.summary import build_summary, memory_summary
        from fozzy.trace.model import build_trace
        from fozzy.trace.writer import write_trace

        result = rc.result or {}
        seed = self.req.seed
        scenario = None
        if self.target_.is_scenario:
            import orjson

            value = orjson.loads(rc.input)
            seed = int(value["seed"])
            doc = self.target_.spec["doc"]
            scenario = {"version": doc.get("version", 1), "name": doc["name"],
                        "steps": value["steps"]}
        findings = result.get("findings") or [rc.crash.finding]
        summary = build_summary(
            status=result.get("status", rc.crash.status), mode="fuzz", run_id=run_id,
            seed=seed, started_ns=time.time_ns(), wall_ns=int(result.get("wallNs", 0)),
            trace_path=str(path), virtual_ms=result.get("virtualMs"),
            memory=memory_summary(result.get("memory")), findings=findings,
        )
        trace = build_trace(
            mode="fuzz", scenario_path=self.target_.spec.get("run", {}).get("scenario_path"),
            scenario=scenario, decisions=result.get("decisions", []),
            events=result.get("events", []), summary=summary, memory=result.get("memory"),
            fuzz={"target": self.target_.name, "input_hex": rc.input.hex()},
            backends=self.req.backends if self.target_.is_scenario else None,
        )
        write_trace(path, trace)


def _rerun(pool: Executor, target: Target, inputs: list[bytes],
           timeout_ms: int) -> list[dict[str, Any] | None]:
    """Full engine runs of scenario crash inputs, for the events and decisions a trace needs
    (fn targets have no engine events)."""
    import orjson

    if not target.is_scenario or not inputs:
        return [None] * len(inputs)
    base = target.spec["run"]
    doc = target.spec["doc"]
    items = []
    for data in inputs:
        value = orjson.loads(data)
        items.append({**base, "scenario": {**doc, "steps": value["steps"]},
                      "seed": int(value["seed"])})
    results = dict(pool.run(items, deadline_ms=lambda _: timeout_ms))
    return [results[i] for i in range(len(items))]


def _sampled_measurements(parts: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    from workers.fuzz.sampler import as_measurements, merge

    merged = merge(parts) if parts else None
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
        req = dataclasses.replace(req, started=time.monotonic())
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
        reruns = [None] * len(crashes) if interrupted else _rerun(pool, target, minimized,
                                                                   timeout_ms)
    wall_ns = time.perf_counter_ns() - t0
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
