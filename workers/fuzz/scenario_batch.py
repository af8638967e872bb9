"""The batch loop of a scenario target: mutate the scenario's inputs (seed, step fields,
never its oracles) → run it through the normal engine → keep or discard."""

from __future__ import annotations

import functools
import random
from typing import Any

import orjson

from workers.fuzz.batch import BatchState, Outcome, Stages, consider, going, pick_parent
from workers.fuzz.bytes_mutators import BYTE_MUTATORS, MutationContext
from workers.fuzz.current_input import CurrentInput
from workers.fuzz.features import scenario_features
from workers.fuzz.mocks import Reach, is_rejected, real_step_types
from workers.fuzz.scenario_mutators import (
    SCENARIO_MUTATORS,
    ScenarioInput,
    literals,
    mutate_scenario,
)
from workers.fuzz.scenario_mutators import dictionary_stage as scenario_dictionary_stage


def scenario_input(data: bytes, reach: Reach | None = None) -> ScenarioInput:
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


def evaluate_scenario(job: dict[str, Any], current: CurrentInput) -> list[Outcome]:
    """Each of the job's inputs run once, unmutated."""
    outcomes: list[Outcome] = []
    for h in job["inputs"]:
        current.set(bytes.fromhex(h))
        outcomes.append(run_scenario_input(job["target"], scenario_input(bytes.fromhex(h))))
    return outcomes


def scenario_loop(
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
        stages.add(raw, scenario_dictionary_stage(scenario_input(raw, reach), given))
    own = sorted(literals(target["doc"]["steps"]) - set(given))
    # User tokens are the protocol's vocabulary: weight them as much as all literals together.
    dictionary = tuple(own + given * max(1, len(own) // max(1, len(given))))
    parsed: dict[bytes, ScenarioInput] = {}

    def decode(data: bytes) -> ScenarioInput:
        if data not in parsed:
            parsed[data] = scenario_input(data, reach)
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
