"""Heap budgets (config `profile_heap_alloc_budget` / `profile_heap_in_use_budget`): a run that
allocates, or keeps in use at its end, more memory-model bytes than budgeted gets a checker
finding, which strict mode turns into a failed command like any other warning."""

from __future__ import annotations

from typing import Any

from fozzy.analysis.profile.heap import allocations


def budget_findings(events: list[dict[str, Any]], alloc_budget: int | None,
                    in_use_budget: int | None) -> list[dict[str, Any]]:
    allocs = allocations(events)
    total = sum(a["bytes"] for a in allocs)
    in_use = sum(a["bytes"] for a in allocs if not a["freed"])
    out = []
    if alloc_budget is not None and total > alloc_budget:
        out.append({"kind": "checker", "title": "heap_alloc_budget",
                    "message": f"heap allocations {total} bytes exceed"
                               f" profile_heap_alloc_budget {alloc_budget} bytes"})
    if in_use_budget is not None and in_use > in_use_budget:
        out.append({"kind": "checker", "title": "heap_in_use_budget",
                    "message": f"heap in use at the end {in_use} bytes exceeds"
                               f" profile_heap_in_use_budget {in_use_budget} bytes"})
    return out
