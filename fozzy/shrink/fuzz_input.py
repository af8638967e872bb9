"""Shrinking an `fn:` fuzz trace's input: ddmin over its bytes, a candidate kept only when the
target fails with the exact signature (exception type and location) the trace recorded."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from fozzy.errors import FozzyError, TraceError
from fozzy.executor.seam import Executor
from fozzy.shrink.ddmin import ShrinkStats, ddmin
from fozzy.shrink.failure import Signature, describe, signature
from fozzy.shrink.shrunk import MIN_CANDIDATE_MS, Shrunk


def shrink_fuzz(
    doc: dict[str, Any],
    wanted: Signature,
    pool: Executor,
    stats: ShrinkStats,
    budget_left: Callable[[], bool],
) -> Shrunk:
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
    return Shrunk(result, None, len(data), len(small), "bytes",
                   fuzz={"target": name, "input_hex": small.hex()}, mode="fuzz")
