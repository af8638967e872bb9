"""What every kind-specific shrinker shares: its result type and how candidates are sized."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: A candidate is tiny next to the budget, but a worker must never be left hanging on one.
MIN_CANDIDATE_MS = 10_000


@dataclass
class Shrunk:
    """What a kind-specific shrinker hands back for writing."""

    result: dict[str, Any]  # the final full run: status, findings, decisions, events, …
    scenario: dict[str, Any] | None
    original_size: int
    shrunk_size: int
    unit: str
    fuzz: dict[str, Any] | None = None
    explore: dict[str, Any] | None = None
    mode: str = "replay"


def batch_size(count: int, jobs: int) -> int:
    """Candidates per batch: two batches per worker, so a wave never waits on one slow batch."""
    return max(1, count // (jobs * 2))
