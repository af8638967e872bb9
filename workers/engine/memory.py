"""The deterministic allocator model behind the `memory_*` steps, and the leak policy.

No real memory is used. Effective sizes follow the reference algorithm exactly (pressure wave,
then BLAKE3-derived fragmentation overhead) so that `memory_assert_in_use_bytes` values written
against one implementation hold in another. Everything a report needs (timeline, frees for the
graph) is kept in append-only lists, so an `assert_throws` checkpoint is a few integers and
list lengths rather than a deep copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from workers.engine.findings import CHECKER, finding
from workers.engine.memo import BoundedMemo
from workers.engine.quote import q

if TYPE_CHECKING:
    from workers.engine.runtime import Runtime

SCHEMA_VERSION = "fozzy.memory_report.v1"
U64_MAX = (1 << 64) - 1
MIB = 1024 * 1024

OPTION_KEYS = (
    "track", "limit_mb", "fail_after_allocs", "fail_on_leak", "leak_budget_bytes",
    "fragmentation_seed", "pressure_wave", "artifacts",
)
_FLAG_OPTIONS = ("track", "fail_on_leak", "artifacts")
_INT_OPTIONS = ("limit_mb", "fail_after_allocs", "leak_budget_bytes", "fragmentation_seed")


class MemoryOptionsError(ValueError):
    """Memory options that no run could honour (the coordinator validates its flags with
    `normalize_options` too, so a bad `--mem-*` value is a usage error before any run)."""


def parse_wave(pattern: str) -> list[int]:
    """Pressure-wave multipliers. Items that are not a positive u64 are dropped, as in the
    reference (`"1,x,0,3"` gives `[1, 3]`); an empty result means no scaling."""
    wave: list[int] = []
    for item in pattern.split(","):
        text = item.strip()
        if text.isascii() and text.isdigit():
            value = int(text)
            if 0 < value <= U64_MAX:
                wave.append(value)
    return wave


def wave_problem(pattern: str) -> str | None:
    """Why a pressure-wave pattern is unusable, or None. A run drops bad items silently (as
    the reference does) and we keep that, but a non-blank pattern in which *nothing* survives
    (`"x"`, `"0"`, `"2;4"`) can only be a mistake: the author asked for scaling and would get
    none. Only that case is refused (by step validation and for `--mem-pressure-wave`); a
    blank pattern stays the explicit "no scaling"."""
    if pattern.strip() and not parse_wave(pattern):
        return (
            f"pressure wave {q(pattern)} has no positive integer multiplier"
            ' (expected a comma-separated list such as "1,2,4")'
        )
    return None


def normalize_options(raw: dict[str, Any]) -> dict[str, Any]:
    """The serialized options (`track, limit_mb?, …, artifacts`): flags always present,
    unset values omitted, and `track` forced on when any other option is set."""
    unknown = sorted(set(raw) - set(OPTION_KEYS))
    if unknown:
        raise MemoryOptionsError(f"unknown memory option(s): {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for key in OPTION_KEYS:
        value = raw.get(key)
        if key in _FLAG_OPTIONS:
            if value is not None and not isinstance(value, bool):
                raise MemoryOptionsError(f"memory option {key} must be a boolean")
            out[key] = bool(value)
        elif value is None:
            continue
        elif key in _INT_OPTIONS:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U64_MAX:
                raise MemoryOptionsError(f"memory option {key} must be an unsigned 64-bit integer")
            out[key] = value
        else:
            if not isinstance(value, str):
                raise MemoryOptionsError("memory option pressure_wave must be a string like 1,2,4")
            out[key] = value
    if any(v is not None and v is not False for v in out.values()):
        out["track"] = True
    return out


Settings = tuple[Mapping[str, Any], tuple[int, ...]]
_SETTINGS: BoundedMemo[bytes, Settings] = BoundedMemo(64)


def settings(raw: dict[str, Any]) -> Settings:
    """`normalize_options` (read-only) and the parsed pressure wave, worked out once per
    distinct option set in a worker: every run of a suite or a fuzz batch carries the same
    options. Keyed by the options' JSON text, which tells `true` from `1`, so a value that
    `normalize_options` rejects is never mistaken for an accepted one."""
    try:
        key = orjson.dumps(raw)
    except TypeError:
        return _settings(raw)  # not JSON at all: normalize_options says why
    return _SETTINGS.get(key, lambda: _settings(raw))


def _settings(raw: dict[str, Any]) -> Settings:
    options = normalize_options(raw)
    return MappingProxyType(options), tuple(parse_wave(options.get("pressure_wave") or ""))


def callsite_string(path: str | None, step: int, key: str | None, tag: str | None) -> str:
    text = f"memory_alloc|path={path or ''}|step={step}"
    if key is not None:
        text += f"|key={key}"
    if tag is not None:
        text += f"|tag={tag}"
    return text


_CALLSITES: BoundedMemo[str, str] = BoundedMemo(4096)


def callsite_hash(text: str) -> str:
    """Memoized per worker: a scenario's callsites are a handful of fixed strings, hashed
    again on every run of it."""
    import blake3  # here: every command normalizes memory options through this module

    return _CALLSITES.get(text, lambda: blake3.blake3(text.encode()).hexdigest())


def fragmentation_pct(seed: int, alloc_ops: int, requested: int) -> int:
    """0..30 percent overhead, from the first byte of BLAKE3(seed ‖ attempt ‖ requested)."""
    import blake3

    data = b"".join(v.to_bytes(8, "little") for v in (seed, alloc_ops, requested))
    return blake3.blake3(data).digest()[0] % 31


class Allocation(NamedTuple):
    """Immutable, so a checkpoint copies the containers, never the allocations (a NamedTuple:
    a frozen dataclass costs several times as much to create, on every allocation)."""

    id: int
    requested: int
    effective: int
    callsite: str
    tag: str | None


class AllocOutcome(NamedTuple):
    """One attempt's result: `alloc` is None exactly when `failed_reason` is set."""

    requested: int
    effective: int
    callsite: str
    alloc: Allocation | None
    failed_reason: str | None


class MemoryModel:
    """Allocator state for one run; step handlers log decisions and events around it."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options, wave = settings(options)
        self.tracking: bool = self.options["track"]
        self.limit_mb: int | None = self.options.get("limit_mb")
        self.fail_after: int | None = self.options.get("fail_after_allocs")
        self.frag_seed: int | None = self.options.get("fragmentation_seed")
        self.wave: list[int] = list(wave)
        self.alloc_ops = 0
        self.failed = 0
        self.next_id = 1
        self.in_use = 0
        self.peak = 0
        self.live: dict[int, Allocation] = {}
        self.freed: list[Allocation] = []
        self.timeline: list[tuple[int, str, dict[str, Any]]] = []  # (timeMs, kind, fields)

    # -- the allocator --------------------------------------------------------------------
    def effective_bytes(self, requested: int) -> int:
        """Size after pressure scaling and fragmentation for the current attempt (alloc_ops
        already counts it). Saturates at u64 like the reference's arithmetic."""
        eff = requested
        if self.wave:
            eff = requested * self.wave[(self.alloc_ops - 1) % len(self.wave)]
        if self.frag_seed is not None:
            eff += eff * fragmentation_pct(self.frag_seed, self.alloc_ops, requested) // 100
        return min(eff, U64_MAX)

    def allocate(self, rt: Runtime, requested: int, callsite: str, tag: str | None) -> AllocOutcome:
        self.alloc_ops += 1
        eff = self.effective_bytes(requested)
        chash = callsite_hash(callsite)
        reason: str | None = None
        if self.limit_mb is not None and self.in_use + eff > self.limit_mb * MIB:
            reason = "limit_mb"
        elif self.fail_after is not None and self.alloc_ops > self.fail_after:
            reason = "fail_after_allocs"
        if reason is not None:
            self.failed += 1
            self._record(rt, "alloc_fail", {
                "bytes": requested, "effectiveBytes": eff, "reason": reason,
                "callsiteHash": chash,
            })
            return AllocOutcome(requested, eff, chash, None, reason)
        alloc = Allocation(self.next_id, requested, eff, chash, tag)
        self.next_id += 1
        self.live[alloc.id] = alloc
        self.in_use = min(self.in_use + eff, U64_MAX)
        self.peak = max(self.peak, self.in_use)
        self._record(rt, "alloc", {
            "allocId": alloc.id, "bytes": requested, "effectiveBytes": eff,
            "inUseBytes": self.in_use, "callsiteHash": chash, "tag": tag,
        })
        return AllocOutcome(requested, eff, chash, alloc, None)

    def free(self, rt: Runtime, alloc_id: int) -> Allocation | None:
        """Free a live allocation; None (and a `free_missing` entry) when it was not live."""
        alloc = self.live.pop(alloc_id, None)
        if alloc is None:
            self._record(rt, "free_missing", {"allocId": alloc_id})
            return None
        self.in_use -= alloc.effective
        self.freed.append(alloc)
        self._record(rt, "free", {
            "allocId": alloc_id, "bytes": alloc.effective, "inUseBytes": self.in_use,
        })
        return alloc

    def checkpoint_entry(self, rt: Runtime, name: str) -> None:
        self._record(rt, "checkpoint", {
            "name": name, "inUseBytes": self.in_use, "liveAllocs": len(self.live),
        })

    def record_host_peak(
        self, rt: Runtime, cmd: str, args: list[str], peak_bytes: int, samples: int
    ) -> None:
        """A host process's measured peak RSS: part of the timeline and of `peakBytes`, so a
        report shows real memory next to the simulated allocations."""
        self.peak = max(self.peak, peak_bytes)
        self._record(rt, "host_proc_peak", {
            "cmd": cmd, "args": list(args), "peakBytes": peak_bytes, "samples": samples,
        })

    def _record(self, rt: Runtime, kind: str, fields: dict[str, Any]) -> None:
        self.timeline.append((rt.clock.now_ms, kind, fields))

    def in_use_bytes(self) -> int:
        return self.in_use

    # -- assert_throws rollback -----------------------------------------------------------
    def checkpoint(self) -> tuple[Any, ...]:
        return (
            self.limit_mb, self.fail_after, self.frag_seed, list(self.wave), self.alloc_ops,
            self.failed, self.next_id, self.in_use, self.peak, dict(self.live),
            len(self.freed), len(self.timeline),
        )

    def restore(self, saved: tuple[Any, ...]) -> None:
        (
            self.limit_mb, self.fail_after, self.frag_seed, wave, self.alloc_ops, self.failed,
            self.next_id, self.in_use, self.peak, live, n_freed, n_timeline,
        ) = saved
        self.wave = list(wave)
        self.live = dict(live)
        del self.freed[n_freed:]
        del self.timeline[n_timeline:]

    # -- end of run -----------------------------------------------------------------------
    def leaked_bytes(self) -> int:
        return sum(a.effective for a in self.live.values())

    def finish(
        self, rt: Runtime, status: str, report: bool = True
    ) -> tuple[str, dict[str, Any] | None]:
        """Apply the leak policy (it may turn pass into fail, never touches fail/timeout) and
        build the report when tracking was asked for or the run touched memory. A caller that
        only wants the status (a fuzz exec) passes `report=False`: the report is the costly
        part."""
        leaked = self.leaked_bytes()
        fail_on_leak: bool = self.options["fail_on_leak"]
        budget: int | None = self.options.get("leak_budget_bytes")
        allowed = leaked == 0 or (not fail_on_leak and budget is not None and leaked <= budget)
        if leaked > 0 and (fail_on_leak or budget is None):
            rt.findings.append(finding(
                CHECKER, "memory_leak",
                f"detected {len(self.live)} leaked allocation(s), leaked_bytes={leaked}",
            ))
        if budget is not None and leaked > budget:
            rt.findings.append(finding(
                CHECKER, "memory_leak_budget",
                f"leak budget exceeded: leaked_bytes={leaked} budget_bytes={budget}",
            ))
        if not allowed and status == "pass":
            status = "fail"
        if not report or not (self.tracking or self.timeline):
            return status, None
        return status, self.report()

    def report(self) -> dict[str, Any]:
        leaks: list[dict[str, Any]] = []
        for a in sorted(self.live.values(), key=lambda a: a.id):
            leak: dict[str, Any] = {
                "allocId": a.id, "bytes": a.effective, "callsiteHash": a.callsite
            }
            if a.tag is not None:
                leak["tag"] = a.tag
            leaks.append(leak)
        return {
            "schemaVersion": SCHEMA_VERSION,
            "options": dict(self.options),
            "summary": {
                "allocCount": self.alloc_ops,
                "freeCount": len(self.freed),
                "failedAllocCount": self.failed,
                "inUseBytes": self.in_use,
                "peakBytes": self.peak,
                "leakedBytes": self.leaked_bytes(),
                "leakedAllocs": len(self.live),
            },
            "leaks": leaks,
            "timeline": [
                {"index": i, "timeMs": ms, "kind": kind, "fields": fields}
                for i, (ms, kind, fields) in enumerate(self.timeline)
            ],
            "graph": self.graph(),
        }

    def graph(self) -> dict[str, list[dict[str, str]]]:
        """Callsites → allocations → frees, for every successful allocation of the run."""
        nodes: dict[str, dict[str, str]] = {}
        edges: list[dict[str, str]] = []

        def node(kind: str, label: str) -> str:
            nid = f"{kind}:{label}"
            nodes[nid] = {"id": nid, "kind": kind, "label": label}
            return nid

        for a in [*self.freed, *self.live.values()]:
            alloc_node = node("alloc", str(a.id))
            edges.append(
                {"from": node("callsite", a.callsite), "to": alloc_node, "kind": "allocates"}
            )
        for a in self.freed:
            edges.append(
                {"from": f"alloc:{a.id}", "to": node("free", str(a.id)), "kind": "freed_by"}
            )
        return {
            "nodes": [nodes[k] for k in sorted(nodes)],
            "edges": sorted(edges, key=lambda e: (e["from"], e["to"], e["kind"])),
        }
