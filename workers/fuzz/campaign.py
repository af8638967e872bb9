"""One fuzz batch on a worker: mutate → execute → keep or discard, many times, locally.

Batches are stateless and deterministic: the coordinator sends the target, the current corpus,
the features already seen and a batch seed; the worker answers with the inputs that added
features (coverage mode), the failures it found, and its exec count. The same batch always
gives the same answer, which is what makes `--jobs 1` campaigns reproducible.

Batch item: `{target, corpus: [hex], corpus_room, seen: [int], seed, execs, time_ms, mode,
mutators, max_input}` where `corpus_room` is how many entries the batch may add at most and
target is `{"kind": "scenario", "doc": {...}, "run": RunSpec-without-scenario}` or
`{"kind": "fn", "spec": "module:callable", "cwd": str}`.
"""

from __future__ import annotations

import functools
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson

from workers.fuzz.bytes_mutators import (
    BYTE_MUTATORS,
    MutationContext,
    compare_stage,
    mutate_bytes,
)
from workers.fuzz.bytes_mutators import dictionary_stage as bytes_dictionary_stage
from workers.fuzz.features import scenario_features
from workers.fuzz.json_mutators import JSON_MUTATOR, decode, mutate_json, reset_pool
from workers.fuzz.mocks import Reach, is_rejected, real_step_types
from workers.fuzz.probe import PROBE
from workers.fuzz.pyfn import FnTarget, load_target, run_fn
from workers.fuzz.sampler import StackSampler
from workers.fuzz.scenario_mutators import (
    SCENARIO_MUTATORS,
    ScenarioInput,
    literals,
    mutate_scenario,
)
from workers.fuzz.scenario_mutators import dictionary_stage as scenario_dictionary_stage

_FN_CACHE: dict[tuple[str, str], FnTarget] = {}


@dataclass
class Outcome:
    features: set[int]
    status: str
    finding: dict[str, Any] | None
    signature: str
    failed_step: int | None = None  # scenario targets: the top-level step that failed
    rejected: bool = False  # a mutant the scripted mock does not answer (workers.fuzz.mocks)


@dataclass
class BatchState:
    seen: set[int]
    corpus: list[bytes]
    new: list[dict[str, Any]] = field(default_factory=list)
    crashes: dict[str, dict[str, Any]] = field(default_factory=dict)
    execs: int = 0
    rejected: int = 0
    room: int | None = None  # how many more entries the campaign's corpus may take
    unstaged: list[str] = field(default_factory=list)  # entries whose stage did not finish


def _scenario_input(data: bytes, reach: Reach | None = None) -> ScenarioInput:
    value = orjson.loads(data)
    return ScenarioInput(int(value["seed"]), list(value["steps"]), reach)


def encode_scenario_input(inp: ScenarioInput) -> bytes:
    return orjson.dumps(inp.to_json())


def run_scenario_input(target: dict[str, Any], inp: ScenarioInput) -> Outcome:
    """Execute one scenario mutant through the normal engine loop."""
    from workers.engine.loop import execute

    doc = dict(target["doc"], steps=inp.steps)
    spec = dict(target["run"], scenario=doc, seed=inp.seed)
    rt, result = execute(spec, memory_report=False, measure=False)
    feats = scenario_features(rt, result)
    finding = result["findings"][0] if result["findings"] else None
    sig = ""
    if result["status"] != "pass" and finding is not None:
        failed_kind = next(
            (e["fields"]["step_kind"] for e in reversed(result["events"])
             if e["name"] == "span_start"),
            "end",
        )
        sig = f"{result['status']}|{finding['kind']}|{finding['title']}|{failed_kind}"
    rejected = is_rejected(finding, inp.steps, target["doc"]["steps"])
    return Outcome(feats, result["status"], finding, sig, result["failedStep"], rejected)


def fn_target(spec: str, cwd: str) -> FnTarget:
    key = (spec, cwd)
    if key not in _FN_CACHE:
        _FN_CACHE[key] = load_target(spec, cwd)
    return _FN_CACHE[key]


def run_fn_input(
    target: FnTarget,
    data: bytes,
    coverage: bool,
    timeout_s: float | None = None,
    value_profile: bool = True,
) -> Outcome:
    out = run_fn(target, data, coverage, timeout_s, value_profile)
    if out.error is None:
        return Outcome(out.arcs, "pass", None, "")
    status = "timeout" if out.error["kind"] == "hang" else "fail"
    loc = out.error.get("location") or {}
    sig = f"{status}|{out.error['title']}|{loc.get('file')}:{loc.get('line')}"
    return Outcome(out.arcs, status, out.error, sig)


class CurrentInput:
    """The input about to run, kept in a file the coordinator reads if this worker dies or
    hangs mid-batch (AFL's `.cur_input`): the one input the batch's result cannot report."""

    def __init__(self, path: str | None) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        self.fd = None if path is None else os.open(path, flags, 0o600)
        self.size = 0

    def set(self, data: bytes) -> None:
        """Overwrite in place, truncating only when the new input is shorter (about half the
        time): a syscall per exec is a measurable share of a small scenario's run."""
        if self.fd is not None:
            os.pwrite(self.fd, data, 0)
            if len(data) < self.size:
                os.ftruncate(self.fd, len(data))
            self.size = len(data)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)


def _consider(
    state: BatchState, out: Outcome, keep: bool, encode: Callable[[], bytes]
) -> bytes | None:
    """Record a crash or new coverage; returns the encoded input when it was kept. A rejected
    input is neither: only counted."""
    state.execs += 1
    if out.rejected:
        state.rejected += 1
        return None
    fresh = out.features - state.seen
    new_crash = out.status != "pass" and out.signature not in state.crashes
    if not fresh and not new_crash:
        return None
    data = encode()
    if new_crash:
        state.crashes[out.signature] = {
            "input": data.hex(), "status": out.status, "finding": out.finding,
            "signature": out.signature, "exec": state.execs,
        }
    if fresh:
        state.seen |= fresh
        if keep and (state.room is None or len(state.new) < state.room):
            state.corpus.append(data)
            state.new.append({"input": data.hex(), "features": sorted(out.features)})
            return data
    return None


T_ = TypeVar("T_")


def _going(job: dict[str, Any], state: BatchState, budget: int, deadline: float) -> bool:
    """Budget and clock left, and (with `crash_only`) no crash found yet."""
    if job.get("crash_only") and state.crashes:
        return False
    return state.execs < budget and time.monotonic() < deadline


class Stages(Generic[T_]):
    """Queued deterministic dictionary stages, each remembered by the (encoded) entry it
    explores, so that a batch that ends first can hand the unfinished ones back."""

    def __init__(self) -> None:
        self._queue: deque[tuple[bytes, Iterator[T_]]] = deque()

    def add(self, source: bytes, stage: Iterator[T_]) -> None:
        self._queue.append((source, stage))

    def next(self) -> T_ | None:
        while self._queue:
            item = next(self._queue[0][1], None)
            if item is not None:
                return item
            self._queue.popleft()
        return None

    def unfinished(self) -> list[str]:
        return [source.hex() for source, _ in self._queue]


def pick_parent(corpus: list[bytes], rng: random.Random) -> bytes:
    """Half the time one of the newest entries: what just reached new coverage is where the
    next step deeper is likeliest (a simple power schedule); otherwise any entry."""
    if len(corpus) > 4 and rng.random() < 0.5:
        return corpus[-1 - rng.randrange(4)]
    return rng.choice(corpus)


def _outcome_json(out: Outcome) -> dict[str, Any]:
    return {
        "status": out.status, "signature": out.signature, "finding": out.finding,
        "features": sorted(out.features), "failedStep": out.failed_step,
        "rejected": out.rejected,
    }


def evaluate_inputs(job: dict[str, Any]) -> dict[str, Any]:
    """Run given inputs once each, unmutated: seeding a campaign's coverage from its corpus,
    and the oracle for minimizing a crashing input."""
    target = job["target"]
    outcomes: list[dict[str, Any]] = []
    current = CurrentInput(job.get("cur_input"))
    try:
        if target["kind"] == "scenario":
            for h in job["inputs"]:
                current.set(bytes.fromhex(h))
                out = run_scenario_input(target, _scenario_input(bytes.fromhex(h)))
                outcomes.append(_outcome_json(out))
        else:
            fn = fn_target(target["spec"], target["cwd"])
            timeout_ms = job.get("exec_timeout_ms")
            timeout_s = None if timeout_ms is None else timeout_ms / 1000.0
            feedback = bool(job.get("compare_feedback", True))
            for h in job["inputs"]:
                current.set(bytes.fromhex(h))
                out = run_fn_input(fn, bytes.fromhex(h), True, timeout_s, feedback)
                outcomes.append(_outcome_json(out))
    finally:
        current.close()
    return {"outcomes": outcomes}


def fuzz_batch(job: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(int(job["seed"]))
    coverage = job.get("mode", "coverage") == "coverage"
    max_input = int(job.get("max_input") or 4096)
    deadline = time.monotonic() + int(job.get("time_ms") or 0) / 1000.0
    budget = int(job["execs"])
    corpus = [bytes.fromhex(h) for h in job["corpus"]]
    seeds = list(corpus)
    state = BatchState(set(job.get("seen") or ()), list(corpus), room=job.get("corpus_room"))
    target = job["target"]
    names = list(job.get("mutators") or ())
    samples: dict[str, Any] | None = None  # `--profile-cpu` stacks of an fn: target
    if target["kind"] == "scenario":
        _scenario_loop(job, target, rng, seeds, state, coverage, names, budget, deadline)
    else:
        fn = fn_target(target["spec"], target["cwd"])
        byte_names = [n for n in names if n in BYTE_MUTATORS]
        structured = not names or JSON_MUTATOR in names
        json_only = bool(names) and structured and not byte_names
        tokens = tuple(bytes.fromhex(h) for h in target.get("dictionary") or ())
        dictionary = fn.dictionary + tokens
        PROBE.reset_table()
        reset_pool()
        feedback = bool(job.get("compare_feedback", True))
        compares = PROBE.table if feedback else {}
        stages: Stages[bytes] = Stages()
        for h in job.get("fresh") or ():
            stages.add(bytes.fromhex(h), bytes_dictionary_stage(bytes.fromhex(h), tokens))
        timeout_ms = job.get("exec_timeout_ms")
        timeout_s = None if timeout_ms is None else timeout_ms / 1000.0
        current = CurrentInput(job.get("cur_input"))
        sampler = StackSampler(fn.files) if job.get("profile_cpu") else None
        if sampler is not None:
            sampler.start()
        try:
            while _going(job, state, budget, deadline):
                data = stages.next()
                if data is None:
                    pool = state.corpus if coverage else seeds
                    ctx = MutationContext(pool, dictionary, max_input, compares, PROBE.version)
                    parent = pick_parent(pool, rng) if seeds else b""
                    data = mutate_fn_input(parent, rng, ctx, byte_names, structured,
                                           json_only, fn.reads_json)
                current.set(data)
                out = run_fn_input(fn, data, coverage, timeout_s, feedback)
                if _consider(state, out, coverage, functools.partial(bytes, data)):
                    if feedback:
                        stages.add(data, compare_stage(data, PROBE.own_compares()))
                    if tokens:
                        stages.add(data, bytes_dictionary_stage(data, tokens))
        finally:
            if sampler is not None:
                sampler.stop()
            current.close()
        state.unstaged = stages.unfinished()
        if sampler is not None:
            samples = sampler.result()
    reply: dict[str, Any] = {
        "execs": state.execs,
        "rejected": state.rejected,
        "new": state.new,
        "crashes": list(state.crashes.values()),
        "unstaged": state.unstaged,
    }
    if samples is not None:
        reply["samples"] = samples
    return reply


#: Share of `fn:` mutations made on the JSON structure when the input is (or, for a target
#: that parses JSON, should be) a JSON document; byte mutators keep the rest.
JSON_SHARE = 0.5


def mutate_fn_input(
    parent: bytes,
    rng: random.Random,
    ctx: MutationContext,
    byte_names: list[str],
    structured: bool,
    json_only: bool,
    reads_json: bool,
) -> bytes:
    """A mutant of `parent`: structure-aware when it is JSON (or the target parses JSON),
    byte-level otherwise and for the byte share of JSON inputs, which finds what a
    well-formed document cannot. Empty `byte_names` means every byte mutator."""
    if structured and (json_only or rng.random() < JSON_SHARE):
        doc = decode(parent)
        if doc is not None or reads_json or json_only:
            return mutate_json(parent, {} if doc is None else doc, rng, ctx)
    return mutate_bytes(parent, rng, ctx, byte_names)[0]


def _scenario_loop(
    job: dict[str, Any],
    target: dict[str, Any],
    rng: random.Random,
    seeds: list[bytes],
    state: BatchState,
    coverage: bool,
    names: list[str],
    budget: int,
    deadline: float,
) -> None:
    scen_names = [n for n in names if n in SCENARIO_MUTATORS] or list(SCENARIO_MUTATORS)
    byte_names = [n for n in names if n in BYTE_MUTATORS]
    if names and not byte_names and "field" in scen_names:
        byte_names = list(BYTE_MUTATORS)
    given = sorted({bytes.fromhex(h) for h in target.get("dictionary") or ()})
    reach = real_step_types(target["run"].get("backends"))
    stages: Stages[ScenarioInput] = Stages()
    for h in job.get("fresh") or ():
        raw = bytes.fromhex(h)
        stages.add(raw, scenario_dictionary_stage(_scenario_input(raw, reach), given))
    own = sorted(literals(target["doc"]["steps"]) - set(given))
    # User tokens are the protocol's vocabulary: weight them as much as all literals together.
    dictionary = tuple(own + given * max(1, len(own) // max(1, len(given))))
    parsed: dict[bytes, ScenarioInput] = {}

    def decode(data: bytes) -> ScenarioInput:
        if data not in parsed:
            parsed[data] = _scenario_input(data, reach)
        return parsed[data]

    # String fields splice with the scenario's own literals, not with whole encoded inputs.
    ctx = MutationContext(dictionary, dictionary, int(job.get("max_input") or 4096))
    barren = 0
    current = CurrentInput(job.get("cur_input"))
    while _going(job, state, budget, deadline) and barren < 64:
        child = stages.next()
        if child is None:
            parent = decode(pick_parent(state.corpus if coverage else seeds, rng))
            made = mutate_scenario(parent, rng, ctx, scen_names, byte_names)
            if made is None:
                barren += 1  # no selected mutator applies to this scenario
                continue
            barren = 0
            child = made[0]
        if current.fd is not None:
            current.set(encode_scenario_input(child))
        out = run_scenario_input(target, child)
        kept = _consider(state, out, coverage, functools.partial(encode_scenario_input, child))
        if kept is not None:
            parsed[kept] = child
            if given:
                stages.add(kept, scenario_dictionary_stage(child, given))
    current.close()
    state.unstaged = stages.unfinished()
