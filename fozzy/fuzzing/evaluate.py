"""Running fuzz inputs once each on the pool (seeding a campaign, minimizing a crash,
`corpus` maintenance), and reading what a worker that died or hung was running."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fozzy.errors import FozzyError
from fozzy.executor.seam import Executor
from fozzy.fuzzing.campaign import CampaignState, Crash
from fozzy.fuzzing.targets import Target
from workers.fuzz.current_input import read_current_input


def worker_lost(result: dict[str, Any]) -> bool:
    """The pool's synthetic result for an item whose worker died or hung."""
    if "error" in result:
        raise FozzyError(f"fuzz target failed in the worker: {result['error']}")
    findings = result.get("findings") or []
    if findings and findings[0].get("title") == "worker_error":
        # The handler itself raised (an unimportable target, say): bad input, not a crash.
        raise FozzyError(findings[0]["message"])
    return "findings" in result and result.get("status") in ("timeout", "crash")


def lost_crash(result: dict[str, Any], cur_input: str, at_exec: int) -> Crash | None:
    """The input a dead or hung worker was running (from its current-input file)."""
    data = read_current_input(cur_input)
    if data is None:
        return None
    found = result["findings"][0] if result["findings"] else {}
    return Crash(f"{result['status']}|{found.get('title', 'worker')}", data, result["status"],
                 found, at_exec)


def evaluate(pool: Executor, target: Target, inputs: list[bytes], jobs: int,
              timeout_ms: int, scratch: Path, per_exec: int | None = None,
              value_profile: bool = True, meanwhile: Callable[[], object] | None = None
              ) -> list[dict[str, Any]]:
    """Run inputs once each (split across workers); outcomes in input order. An input that
    kills or hangs its worker gets a crash/timeout outcome and the rest of its chunk runs on.
    Without `value_profile`, an fn: input's features are the blocks it reached only.
    `meanwhile` runs once, while the first inputs are being run."""
    outcomes: list[dict[str, Any] | None] = [None] * len(inputs)
    size = max(1, -(-len(inputs) // jobs))
    pending = [list(range(i, min(i + size, len(inputs)))) for i in range(0, len(inputs), size)]
    while pending:
        items = [{"target": target.spec, "inputs": [inputs[j].hex() for j in chunk],
                  "exec_timeout_ms": per_exec, "cur_input": str(scratch / f"eval-{n}.cur"),
                  "compare_feedback": value_profile}
                 for n, chunk in enumerate(pending)]
        results = dict(pool.run(items, op="fuzz_eval", deadline_ms=lambda _: timeout_ms,
                                meanwhile=meanwhile))
        meanwhile = None
        retry: list[list[int]] = []
        for n, chunk in enumerate(pending):
            res = results[n]
            if not worker_lost(res):
                for j, out in zip(chunk, res["outcomes"], strict=True):
                    outcomes[j] = out
                continue
            lost = lost_crash(res, str(scratch / f"eval-{n}.cur"), 0)
            at = next((k for k, j in enumerate(chunk) if lost and inputs[j] == lost.input), 0)
            outcomes[chunk[at]] = {
                "status": res["status"], "finding": lost.finding if lost else None,
                "signature": lost.signature if lost else res["status"], "features": [],
            }
            if chunk[at + 1:]:
                retry.append(chunk[at + 1:])
        pending = retry
    return [o for o in outcomes if o is not None]


def seed_state(pool: Executor, target: Target, corpus: list[bytes], jobs: int,
                eval_timeout_ms: int, scratch: Path, per_exec: int | None,
                max_corpus: int, meanwhile: Callable[[], object] | None = None
                ) -> CampaignState:
    """The campaign's start: the stored corpus run once each. An entry the scripted mock
    does not answer (a mutant kept by a host-backend campaign) is rejected, not a parent;
    when none is left the scenario itself is the seed. `meanwhile` runs once, while the
    first entries are being run."""
    state = CampaignState(corpus=[], max_corpus=max_corpus)
    pending = corpus
    while pending:
        evaluated = evaluate(pool, target, pending, jobs, eval_timeout_ms, scratch, per_exec,
                             meanwhile=meanwhile)
        meanwhile = None
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

