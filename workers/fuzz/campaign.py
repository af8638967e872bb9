"""One fuzz batch on a worker: mutate → execute → keep or discard, many times, locally.

Batches are stateless and deterministic: the coordinator sends the target, the current corpus,
the features already seen and a batch seed; the worker answers with the inputs that added
features (coverage mode), the failures it found, and its exec count. The same batch always
gives the same answer, which is what makes `--jobs 1` campaigns reproducible.

Batch item: `{target, corpus: [hex], corpus_room, seen: [int], seed, execs, time_ms, mode,
mutators, max_input}` where `corpus_room` is how many entries the batch may add at most and
target is `{"kind": "scenario", "doc": {...}, "run": RunSpec-without-scenario}` or
`{"kind": "fn", "spec": "module:callable", "cwd": str}`.

A scenario target's loop (`workers.fuzz.scenario_batch`) is imported on its first batch: it
brings the step registry and the engine, which an `fn:` campaign's workers never use and
which cost ~8 ms of every campaign's start when the fuzz op was preloaded. A scenario
campaign's coordinator imports it anyway (resolving the target), before any worker forks.
"""

from __future__ import annotations

import time
from typing import Any

from workers.fuzz.batch import BatchState, FuzzRandom, Outcome
from workers.fuzz.current_input import CurrentInput
from workers.fuzz.fn_batch import evaluate_fn, fn_loop


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
            from workers.fuzz.scenario_batch import evaluate_scenario

            outcomes = evaluate_scenario(job, current)
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
        from workers.fuzz.scenario_batch import scenario_loop

        scenario_loop(job, target, rng, seeds, state, coverage, names, budget, deadline)
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
