"""Heap budgets (config `profile_heap_alloc_budget` / `profile_heap_in_use_budget`): a run that
allocates, or keeps in use at its end, more memory-model bytes than budgeted gets a checker
finding, which strict mode turns into a failed command like any other warning.

`run`, `replay` and `test` share one `HeapBudgets` so a trace's recorded budget findings are
recomputed the same way when it replays (no `replay_warning_drift` from budgets alone). The
budgets read the memory model's allocation events, so a suite keeps its scenarios' events
(untrimmed) while a budget is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fozzy.analysis.profile.heap import allocations

if TYPE_CHECKING:
    from fozzy.config import Config

#: The findings' titles. They judge the run against the *current* fozzy.toml, not the
#: scenario's behaviour, so replay's warning parity leaves them out (a replay under other
#: budgets, or a verification replay by `ci` that applies none, is not drift).
TITLES = ("heap_alloc_budget", "heap_in_use_budget")


@dataclass(frozen=True)
class HeapBudgets:
    alloc: int | None = None  # bytes allocated over the whole run
    in_use: int | None = None  # bytes still allocated when the run ended

    @classmethod
    def from_config(cls, config: Config) -> HeapBudgets:
        return cls(config.profile_heap_alloc_budget, config.profile_heap_in_use_budget)

    @property
    def active(self) -> bool:
        return self.alloc is not None or self.in_use is not None

    def check(self, result: dict[str, Any]) -> list[dict[str, Any]]:
        """The budget findings for one worker result (from its `events`)."""
        if not self.active:
            return []
        allocs = allocations(result.get("events") or [])
        total = sum(a["bytes"] for a in allocs)
        in_use = sum(a["bytes"] for a in allocs if not a["freed"])
        out = []
        if self.alloc is not None and total > self.alloc:
            out.append({"kind": "checker", "title": TITLES[0],
                        "message": f"heap allocations {total} bytes exceed"
                                   f" profile_heap_alloc_budget {self.alloc} bytes"})
        if self.in_use is not None and in_use > self.in_use:
            out.append({"kind": "checker", "title": TITLES[1],
                        "message": f"heap in use at the end {in_use} bytes exceeds"
                                   f" profile_heap_in_use_budget {self.in_use} bytes"})
        return out
