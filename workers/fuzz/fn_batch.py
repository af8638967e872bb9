"""The batch loop of an `fn:` target: mutate → call → keep or discard, as many times as the
batch allows, in the worker's own interpreter.

Every exec costs a mutation and a call of the target, and at atheris's pace (~10 µs an exec
on a small target) anything else done per exec shows: so the loop's fixed parts are set up
once a batch — the watchdog timer, the mutation context, the snapshot of the table of
recent compares (taken again only when it changed, after mutations in proportion to its
size) — and an exec makes no system call and allocates little beyond its mutant and its
features.
"""

from __future__ import annotations

import random
import time
from typing import Any

from workers.fuzz.batch import BatchState, Outcome, Stages, consider, pick_parent
from workers.fuzz.bytes_mutators import (
    BYTE_MUTATORS,
    MutationContext,
    compare_stage,
    mutate_bytes,
)
from workers.fuzz.bytes_mutators import dictionary_stage as bytes_dictionary_stage
from workers.fuzz.current_input import CurrentInput
from workers.fuzz.json_mutators import JSON_MUTATOR, decode, mutate_json, reset_pool
from workers.fuzz.probe import PROBE
from workers.fuzz.pyfn import FnTarget, exec_alarm, load_target, run_fn
from workers.fuzz.sampler import StackSampler

#: Share of `fn:` mutations made on the JSON structure when the input is (or, for a target
#: that parses JSON, should be) a JSON document; byte mutators keep the rest.
JSON_SHARE = 0.5
#: A changed table of recent compares is copied again (and the JSON pool moved on to it)
#: once the mutations since the last copy number TABLE_REFRESH times its size: the table
#: changes on most executions, and a copy per mutation of a full table (512 pairs) cost more
#: than the target, while a small table — the start of every batch, where each new operand
#: is the next step — stays current at little cost (~0.5 µs a mutation, amortised).
TABLE_REFRESH = 0.5

_FN_CACHE: dict[tuple[str, str], FnTarget] = {}


def fn_target(spec: str, cwd: str) -> FnTarget:
    key = (spec, cwd)
    if key not in _FN_CACHE:
        _FN_CACHE[key] = load_target(spec, cwd)
    return _FN_CACHE[key]


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
    return mutate_bytes(parent, rng, ctx, byte_names)


def evaluate_fn(job: dict[str, Any], current: CurrentInput) -> list[Outcome]:
    """Each of the job's inputs run once, unmutated."""
    target = job["target"]
    fn = fn_target(target["spec"], target["cwd"])
    timeout_s = _timeout_s(job)
    feedback = bool(job.get("compare_feedback", True))
    outcomes: list[Outcome] = []
    with exec_alarm(timeout_s):
        for h in job["inputs"]:
            data = bytes.fromhex(h)
            current.set(data)
            outcomes.append(run_fn(fn, data, True, timeout_s, feedback))
    return outcomes


def _timeout_s(job: dict[str, Any]) -> float | None:
    timeout_ms = job.get("exec_timeout_ms")
    return None if timeout_ms is None else timeout_ms / 1000.0


def fn_loop(
    job: dict[str, Any],
    rng: random.Random,
    seeds: list[bytes],
    state: BatchState,
    coverage: bool,
    names: list[str],
    budget: int,
    deadline: float,
) -> dict[str, Any] | None:
    """Run the batch on an `fn:` target; returns the `--profile-cpu` samples, if asked."""
    target = job["target"]
    fn = fn_target(target["spec"], target["cwd"])
    byte_names = [n for n in names if n in BYTE_MUTATORS]
    structured = not names or JSON_MUTATOR in names
    json_only = bool(names) and structured and not byte_names
    tokens = tuple(bytes.fromhex(h) for h in target.get("dictionary") or ())
    dictionary = fn.dictionary + tokens
    PROBE.reset_table()
    reset_pool()
    feedback = bool(job.get("compare_feedback", True))
    stages: Stages[bytes] = Stages()
    for h in job.get("fresh") or ():
        stages.add(bytes.fromhex(h), bytes_dictionary_stage(bytes.fromhex(h), tokens))
    timeout_s = _timeout_s(job)
    pool = state.corpus if coverage else seeds
    ctx = MutationContext(pool, dictionary, int(job.get("max_input") or 4096))
    snapshot_version, uses = PROBE.version, 0
    current = CurrentInput(job.get("cur_input"))
    sampler = StackSampler(fn.files) if job.get("profile_cpu") else None
    if sampler is not None:
        sampler.start()
    crash_only = bool(job.get("crash_only"))
    monotonic = time.monotonic
    try:
        with exec_alarm(timeout_s):
            # `batch.going`, inlined: its call was a measurable part of a small target's exec.
            while state.execs < budget and monotonic() < deadline and not (
                crash_only and state.crashes
            ):
                data = stages.next() if stages else None
                if data is None:
                    if feedback and PROBE.version != snapshot_version and (
                        uses >= len(PROBE.table) * TABLE_REFRESH
                    ):
                        ctx = MutationContext(pool, dictionary, ctx.max_len, PROBE.snapshot())
                        snapshot_version, uses = PROBE.version, 0
                    uses += 1
                    parent = pick_parent(pool, rng) if seeds else b""
                    data = mutate_fn_input(parent, rng, ctx, byte_names, structured,
                                           json_only, fn.reads_json)
                current.set(data)
                out = run_fn(fn, data, coverage, timeout_s, feedback)
                if consider(state, out, coverage, data):
                    if feedback:
                        stages.add(data, compare_stage(data, PROBE.own_compares()))
                    if tokens:
                        stages.add(data, bytes_dictionary_stage(data, tokens))
    finally:
        if sampler is not None:
            sampler.stop()
        current.close()
    state.unstaged = stages.unfinished()
    return None if sampler is None else sampler.result()
