"""Delta debugging over lists, with each level's candidates evaluated as one parallel batch.

`still_fails(candidates) -> [bool]` runs a whole batch (on the worker pool) and says which
candidates still reproduce the original failure. At granularity n the list is cut into n
chunks and the n complements (the list minus one chunk) are tried together; the first that
still fails (in list order, so the result does not depend on scheduling) becomes the new list.
With no success the granularity doubles until chunks are single items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
BatchOracle = Callable[[list[list[T]]], list[bool]]


@dataclass
class ShrinkStats:
    candidates: int = 0
    levels: int = 0
    accepted: int = 0
    out_of_budget: bool = False


def _chunks(items: Sequence[T], n: int) -> list[tuple[int, int]]:
    size = -(-len(items) // n)
    return [(i, min(i + size, len(items))) for i in range(0, len(items), size)]


def ddmin(
    items: Sequence[T],
    still_fails: BatchOracle[T],
    stats: ShrinkStats,
    budget_left: Callable[[], bool] = lambda: True,
    min_len: int = 1,
) -> list[T]:
    """The smallest list found (1-minimal when the budget allows) that still fails."""
    current = list(items)
    n = 2
    while len(current) > min_len:
        if not budget_left():
            stats.out_of_budget = True
            break
        bounds = _chunks(current, min(n, len(current)))
        candidates = [current[:a] + current[b:] for a, b in bounds]
        candidates = [c for c in candidates if len(c) >= min_len]
        if not candidates:
            break
        stats.levels += 1
        stats.candidates += len(candidates)
        verdicts = still_fails(candidates)
        winner = next((c for c, ok in zip(candidates, verdicts, strict=True) if ok), None)
        if winner is not None:
            stats.accepted += 1
            current = winner
            n = max(n - 1, 2)
            continue
        if n >= len(current):
            break
        n = min(len(current), n * 2)
    return current
