"""A fuzz campaign on the coordinator: rounds of batches on the worker pool, merged in order.

Each round hands every worker a batch built from the same snapshot of the corpus and of the
features seen so far, with a seed derived from the campaign seed and the batch number. Results
are merged in batch order, so for a given `--jobs` and `--runs` a campaign is reproducible; new
corpus entries found by one worker reach the others at the next round.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FN_SEEDS = (b"", b"\x00", b"\x01\x02\x03")
FN_BATCH_EXECS = 20_000
SCENARIO_BATCH_EXECS = 5_000
TIMED_BATCH_EXECS = 1 << 40  # with --time a batch ends on its clock, not on a count
ROUND_SECONDS = 1.0  # with --time, batches sync at least this often


@dataclass
class Crash:
    signature: str
    input: bytes
    status: str
    finding: dict[str, Any]
    found_at_exec: int


@dataclass
class CampaignState:
    corpus: list[bytes]
    seen: set[int] = field(default_factory=set)
    crashes: dict[str, Crash] = field(default_factory=dict)
    new_entries: int = 0
    execs: int = 0
    rejected: int = 0  # mutants the scripted mock does not answer (workers.fuzz.mocks)
    rounds: int = 0

    def merge(self, result: dict[str, Any]) -> tuple[list[bytes], list[Crash]]:
        """Fold one batch result in; returns the inputs and crashes that are new campaign-wide."""
        base = self.execs
        self.execs += int(result["execs"])
        self.rejected += int(result.get("rejected") or 0)
        added: list[bytes] = []
        for entry in result["new"]:
            feats = set(entry["features"])
            if feats - self.seen:
                self.seen |= feats
                data = bytes.fromhex(entry["input"])
                self.corpus.append(data)
                self.new_entries += 1
                added.append(data)
        fresh: list[Crash] = []
        for c in result["crashes"]:
            if c["signature"] in self.crashes:
                continue
            crash = Crash(
                c["signature"], bytes.fromhex(c["input"]), c["status"], c["finding"] or {},
                base + int(c["exec"]),
            )
            self.crashes[c["signature"]] = crash
            fresh.append(crash)
        return added, fresh


def batch_seed(campaign_seed: int, batch_no: int) -> int:
    import blake3

    digest = blake3.blake3(
        campaign_seed.to_bytes(8, "little") + batch_no.to_bytes(8, "little")
    ).digest()
    return int.from_bytes(digest[:8], "little")


@dataclass
class Budget:
    runs: int | None
    deadline: float | None  # time.monotonic() deadline

    def remaining_runs(self, done: int) -> int | None:
        return None if self.runs is None else max(0, self.runs - done)

    def exhausted(self, done: int) -> bool:
        left = self.remaining_runs(done)
        if left is not None and left <= 0:
            return True
        return self.deadline is not None and time.monotonic() >= self.deadline


def plan_round(
    state: CampaignState,
    budget: Budget,
    jobs: int,
    per_batch: int,
    make_item: Callable[[int, int], dict[str, Any]],
) -> list[dict[str, Any]]:
    """Up to `jobs` batch items for the next round, made by `make_item(batch_no, execs)`."""
    items: list[dict[str, Any]] = []
    left = budget.remaining_runs(state.execs)
    for _ in range(jobs):
        execs = per_batch if left is None else min(per_batch, left)
        if execs <= 0:
            break
        batch_no = state.rounds * jobs + len(items)
        items.append(make_item(batch_no, execs))
        if left is not None:
            left -= execs
    state.rounds += 1
    return items


def round_time_ms(budget: Budget) -> int:
    """Per-batch wall budget: open-ended for pure --runs campaigns (fully reproducible)."""
    if budget.deadline is None:
        return 24 * 3600 * 1000
    left = max(0.0, budget.deadline - time.monotonic())
    return int(min(left, ROUND_SECONDS) * 1000) + 1
