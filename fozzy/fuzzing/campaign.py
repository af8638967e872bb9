"""A fuzz campaign on the coordinator: rounds of batches on the worker pool, merged in order.

Each round hands every worker a batch built from the same snapshot of the corpus and of the
features seen so far, with a seed derived from the campaign seed and the batch number. Results
are merged in batch order, so for a given `--jobs` and `--runs` a campaign is reproducible; new
corpus entries found by one worker reach the others at the next round.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

FN_SEEDS = (b"", b"\x00", b"\x01\x02\x03")
FN_BATCH_EXECS = 20_000
SCENARIO_BATCH_EXECS = 5_000
TIMED_BATCH_EXECS = 1 << 40  # with --time a batch ends on its clock, not on a count
ROUND_SECONDS = 1.0  # with --time, batches sync at least this often
#: --max-corpus default: enough for every feature a real campaign reaches (the planted bugs
#: need under 30 entries), while bounding the disk (1024 x the 4 KiB --max-input = 4 MiB)
#: and the corpus each round ships to every worker
DEFAULT_MAX_CORPUS = 1024
#: --max-corpus ceiling: a corpus is shipped whole to every worker each round
MAX_CORPUS_LIMIT = 100_000
#: with --time, the share of the budget kept for after the last round: re-running crashes
#: for their traces, writing the report, stopping the workers (measured ~0.1 s)
TAIL_RESERVE_SECONDS = 0.3


class Crash(NamedTuple):
    signature: str
    input: bytes
    status: str
    finding: dict[str, Any]
    found_at_exec: int


class CampaignState:
    """The corpus holds an input only when it adds a feature no kept input has, never the
    same content twice, and at most `max_corpus` entries (a stored corpus larger than that
    is kept whole, but grows no further). A plain class: it is created before the first
    worker starts, where a dataclass's compiled methods cost ~0.5 ms."""

    def __init__(self, corpus: list[bytes], max_corpus: int = DEFAULT_MAX_CORPUS) -> None:
        self.corpus = corpus
        self.seen: set[int] = set()
        self.crashes: dict[str, Crash] = {}
        self.new_entries = 0
        self.execs = 0
        self.rejected = 0  # mutants the scripted mock does not answer (workers.fuzz.mocks)
        self.rounds = 0
        self.max_corpus = max_corpus
        self._contents: set[bytes] = set()

    def keep(self, data: bytes, bounded: bool = True) -> bool:
        """Add `data` to the corpus unless it is there already or (`bounded`) it is full."""
        if (bounded and len(self.corpus) >= self.max_corpus) or data in self._contents:
            return False
        self.corpus.append(data)
        self._contents.add(data)
        return True

    @property
    def room(self) -> int:
        return max(0, self.max_corpus - len(self.corpus))

    def merge(self, result: dict[str, Any]) -> tuple[list[bytes], list[Crash]]:
        """Fold one batch result in; returns the inputs and crashes that are new campaign-wide.
        An entry's features count as reached even when a full corpus cannot keep it."""
        base = self.execs
        self.execs += int(result["execs"])
        self.rejected += int(result.get("rejected") or 0)
        added: list[bytes] = []
        for entry in result["new"]:
            feats = set(entry["features"])
            if feats - self.seen:
                self.seen |= feats
                data = bytes.fromhex(entry["input"])
                if self.keep(data):
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


class Budget(NamedTuple):
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


def time_deadline(started: float | None, time_ms: int | None) -> float | None:
    """The monotonic time the last round must end by for `--time` to hold with the tail
    (traces, report, shutdown) included: counted from the command's start when known."""
    if time_ms is None:
        return None
    start = time.monotonic() if started is None else started
    return start + time_ms / 1000.0 - TAIL_RESERVE_SECONDS


def round_time_ms(budget: Budget) -> int:
    """Per-batch wall budget: open-ended for pure --runs campaigns (fully reproducible)."""
    if budget.deadline is None:
        return 24 * 3600 * 1000
    left = max(0.0, budget.deadline - time.monotonic())
    return int(min(left, ROUND_SECONDS) * 1000) + 1
