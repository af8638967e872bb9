"""Simulated memory steps over the deterministic allocator (workers.engine.memory).

`memory_alloc` and `memory_free` are decisions, so a replay re-derives and checks every
allocation outcome; the knob steps (`memory_limit_mb` …) only change the model and emit an
event.
"""

from __future__ import annotations

from typing import Any

from workers.engine.findings import assertion, checker
from workers.engine.memory import callsite_string, parse_wave, wave_problem
from workers.engine.quote import q
from workers.engine.runtime import Runtime
from workers.steps.registry import CheckError, Role, Step, T, opt, req, step

U64_MAX = (1 << 64) - 1


@step(
    "memory_alloc",
    req("bytes", T.U64, Role.INPUT),
    opt("key", T.STR),
    opt("tag", T.STR),
    example={"type": "memory_alloc", "bytes": 1024, "key": "buf", "tag": "cache"},
    notes="stores the allocation id under `key`; fails on limit_mb / fail_after_allocs",
)
def memory_alloc(rt: Runtime, s: Step) -> None:
    callsite = callsite_string(rt.scenario_path, rt.step_index, s["key"], s["tag"])
    out = rt.mem.allocate(rt, s["bytes"], callsite, s["tag"])
    alloc_id = out.alloc.id if out.alloc is not None else None
    decision: dict[str, Any] = {
        "kind": "memory_alloc", "bytes": out.requested, "effective_bytes": out.effective,
        "alloc_id": alloc_id, "callsite_hash": out.callsite,
    }
    if out.failed_reason is not None:
        decision["failed_reason"] = out.failed_reason
    rt.decide(decision)
    rt.emit("memory_alloc", {
        "alloc_id": alloc_id, "bytes": out.requested, "callsite_hash": out.callsite,
        "effective_bytes": out.effective, "failed_reason": out.failed_reason,
    })
    if out.failed_reason is not None:
        raise checker("memory_alloc_failed", f"memory allocation failed: {out.failed_reason}")
    if s["key"] is not None:
        rt.kv[s["key"]] = str(alloc_id)


_FREE_ONE_OF = "MemoryFree: set exactly one of alloc_id or key"


def _check_free(s: Step) -> None:
    if (s["alloc_id"] is None) == (s["key"] is None):
        raise CheckError("alloc_id", _FREE_ONE_OF)


def _free_target(rt: Runtime, s: Step) -> int:
    if (s["alloc_id"] is None) == (s["key"] is None):
        raise checker("memory_free", _FREE_ONE_OF)
    if s["alloc_id"] is not None:
        return int(s["alloc_id"])
    key = s["key"]
    text = rt.kv.get(key)
    if text is None:
        raise checker("memory_free", f"missing alloc id key {q(key)}")
    if not (text.isascii() and text.isdigit()) or int(text) > U64_MAX:
        raise checker("memory_free", f"alloc id key {q(key)} is not a u64")
    return int(text)


@step(
    "memory_free",
    opt("alloc_id", T.U64),
    opt("key", T.STR),
    check=_check_free,
    example={"type": "memory_free", "key": "buf"},
    notes="set exactly one of alloc_id/key; freeing an id that is not live fails",
)
def memory_free(rt: Runtime, s: Step) -> None:
    alloc_id = _free_target(rt, s)
    existed = rt.mem.free(rt, alloc_id) is not None
    rt.decide({"kind": "memory_free", "alloc_id": alloc_id, "existed": existed})
    rt.emit("memory_free", {"alloc_id": alloc_id, "existed": existed})
    if not existed:
        raise checker("memory_free_missing", f"allocation id {alloc_id} was not live")


@step(
    "memory_limit_mb",
    req("mb", T.U64),
    example={"type": "memory_limit_mb", "mb": 64},
    notes="overrides --mem-limit-mb for the rest of the run",
)
def memory_limit_mb(rt: Runtime, s: Step) -> None:
    rt.mem.limit_mb = s["mb"]
    rt.emit("memory_limit_mb", {"mb": s["mb"]})


@step(
    "memory_fail_after_allocs",
    req("count", T.U64),
    example={"type": "memory_fail_after_allocs", "count": 3},
    notes="allocation attempts after the first `count` (counted from run start) fail",
)
def memory_fail_after_allocs(rt: Runtime, s: Step) -> None:
    rt.mem.fail_after = s["count"]
    rt.emit("memory_fail_after_allocs", {"count": s["count"]})


@step(
    "memory_fragmentation",
    req("seed", T.U64),
    example={"type": "memory_fragmentation", "seed": 7},
    notes="adds a seeded 0-30% overhead to every later allocation",
)
def memory_fragmentation(rt: Runtime, s: Step) -> None:
    rt.mem.frag_seed = s["seed"]
    rt.emit("memory_fragmentation", {"seed": s["seed"]})


def _check_wave(s: Step) -> None:
    problem = wave_problem(s["pattern"])
    if problem is not None:
        raise CheckError("pattern", problem)


@step(
    "memory_pressure_wave",
    req("pattern", T.STR),
    check=_check_wave,
    example={"type": "memory_pressure_wave", "pattern": "1,2,4"},
    notes="comma-separated multipliers applied to successive allocations; blank disables",
)
def memory_pressure_wave(rt: Runtime, s: Step) -> None:
    rt.mem.wave = parse_wave(s["pattern"])
    rt.emit("memory_pressure_wave", {"pattern": s["pattern"], "wave": list(rt.mem.wave)})


@step(
    "memory_checkpoint",
    req("name", T.STR),
    example={"type": "memory_checkpoint", "name": "after-setup"},
)
def memory_checkpoint(rt: Runtime, s: Step) -> None:
    rt.mem.checkpoint_entry(rt, s["name"])
    rt.emit("memory_checkpoint", {
        "in_use_bytes": rt.mem.in_use, "live_allocs": len(rt.mem.live), "name": s["name"],
    })


@step(
    "memory_assert_in_use_bytes",
    req("equals", T.U64, Role.ORACLE),
    example={"type": "memory_assert_in_use_bytes", "equals": 1024},
    notes="compares with the effective (scaled, fragmented) bytes in use",
)
def memory_assert_in_use_bytes(rt: Runtime, s: Step) -> None:
    got = rt.mem.in_use
    if got != s["equals"]:
        raise assertion(
            "memory_assert_in_use_bytes", f"expected in_use_bytes={s['equals']}, got {got}"
        )
