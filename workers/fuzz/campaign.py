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
import random
import time
from typing import Any

import orjson

from workers.fuzz.batch import (
    BatchState,
    FuzzRandom,
    Outcome,
    Stages,
    consider,
    going,
    pick_parent,
)
from workers.fuzz.bytes_mutators import BYTE_MUTATORS, MutationContext
from workers.fuzz.current_input import CurrentInput
from workers.fuzz.features import scenario_features
from workers.fuzz.fn_batch import evaluate_fn, fn_loop
from workers.fuzz.mocks import Reach, is_rejected, real_step_types
from workers.fuzz.scenario_mutators import (
    SCENARIO_MUTATORS,
    ScenarioInput,
    literals,
    mutate_scenario,
)
from workers.fuzz.scenario_mutators import dictionary_stage as scenario_dictionary_stage


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
    current = CurrentInput(job.get("cur_input"))
    try:
        if target["kind"] == "scenario":
            outcomes: list[Outcome] = []
            for h in job["inputs"]:
                current.set(bytes.fromhex(h))
                outcomes.append(run_scenario_input(target, _scenario_input(bytes.fromhex(h))))
        else:
            outcomes = evaluate_fn(job, current)
    finally:
        current.close()
    return {"outcomes": [_outcome_json(out) for out in outcomes]}


def fuzz_batch(job: dict[str, Any]) -> dict[str, Any]:
    rng = FuzzRandom(int(job["seed"]))
    coverage = job.get("mode", "coverage") == "coverage"
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
        samples = fn_loop(job, rng, seeds, state, coverage, names, budget, deadline)
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
    while going(job, state, budget, deadline) and barren < 64:
        child = stages.next()
        if child is None:
            parent = decode(pick_parent(state.corpus if coverage else seeds, rng))
            made = mutate_scenario(parent, rng, ctx, scen_names, byte_names)
            if made is None:
                barren += 1  # no selected mutator applies to this scenario
                continue
            barren = 0
            child = made[0]
        if current.active:
            current.set(encode_scenario_input(child))
        out = run_scenario_input(target, child)
        kept = consider(state, out, coverage, functools.partial(encode_scenario_input, child))
        if kept is not None:
            parsed[kept] = child
            if given:
                stages.add(kept, scenario_dictionary_stage(child, given))
    current.close()
    state.unstaged = stages.unfinished()
