"""Delta debugging over lists, evaluated lazily in waves as wide as the worker pool.

`still_fails(candidates) -> [bool]` runs a batch (on the worker pool) and says which
candidates still reproduce the original failure. At granularity n the list is cut into n
chunks and the n complements (the list minus one chunk) are the level's candidates, in order.
They are evaluated `width` at a time (one wave fills the pool's workers) and the level stops at
the first wave with a reproducing candidate; the first such candidate in list order becomes the
new list. That is the candidate a one-at-a-time ddmin would pick, so the result never depends
on `width`, while a single worker runs only the candidates a sequential ddmin needs (evaluating
whole levels made `--jobs 1` run every complement of a level even when the first succeeded).
With no success the granularity doubles until chunks are single items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
C = TypeVar("C")
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


def first_failing(
    candidates: list[C],
    still_fails: Callable[[list[C]], list[bool]],
    stats: ShrinkStats,
    width: int,
    budget_left: Callable[[], bool] = lambda: True,
) -> C | None:
    """The first candidate in list order that still fails, evaluating `width` at a time and
    stopping at the first wave that has one (or when the budget ends between waves)."""
    for start in range(0, len(candidates), width):
        if start and not budget_left():
            stats.out_of_budget = True
            return None
        wave = candidates[start : start + width]
        stats.candidates += len(wave)
        for cand, ok in zip(wave, still_fails(wave), strict=True):
            if ok:
                stats.accepted += 1
                return cand
    return None


def ddmin(
    items: Sequence[T],
    still_fails: BatchOracle[T],
    stats: ShrinkStats,
    budget_left: Callable[[], bool] = lambda: True,
    min_len: int = 1,
    width: int = 1,
) -> list[T]:
    """The smallest list found (1-minimal when the budget allows) that still fails."""
    if width < 1:
        raise ValueError("width must be at least 1")
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
        winner = first_failing(candidates, still_fails, stats, width, budget_left)
        if winner is not None:
            current = winner
            n = max(n - 1, 2)
            continue
        if n >= len(current):
            break
        n = min(len(current), n * 2)
    return current
