"""What every fuzz batch loop shares, whatever the target: the batch's state, the keep-or-
discard decision, the queued deterministic stages, the parent schedule and the current-input
file. The loops themselves are `workers.fuzz.fn_batch` (`fn:` targets) and
`workers.fuzz.scenario_batch` (scenarios)."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem


@dataclass(slots=True)
class Outcome:
    features: set[int]
    status: str
    finding: dict[str, Any] | None
    signature: str
    failed_step: int | None = None  # scenario targets: the top-level step that failed
    rejected: bool = False  # a mutant the scripted mock does not answer (workers.fuzz.mocks)


@dataclass
class BatchState:
    seen: set[int]
    corpus: list[bytes]
    new: list[dict[str, Any]] = field(default_factory=list)
    crashes: dict[str, dict[str, Any]] = field(default_factory=dict)
    execs: int = 0
    rejected: int = 0
    room: int | None = None  # how many more entries the campaign's corpus may take
    unstaged: list[str] = field(default_factory=list)  # entries whose stage did not finish


def consider(
    state: BatchState, out: Outcome, keep: bool, encoded: bytes | Callable[[], bytes]
) -> bytes | None:
    """Record a crash or new coverage; returns the encoded input when it was kept. A rejected
    input is neither: only counted. `encoded` is the input's bytes, or how to make them (a
    scenario input is encoded only when it is kept)."""
    state.execs += 1
    if out.rejected:
        state.rejected += 1
        return None
    # Most executions reach nothing new: a subset test allocates nothing on the way.
    fresh = None if out.features <= state.seen else out.features - state.seen
    new_crash = out.status != "pass" and out.signature not in state.crashes
    if not fresh and not new_crash:
        return None
    data = encoded if isinstance(encoded, bytes) else encoded()
    if new_crash:
        state.crashes[out.signature] = {
            "input": data.hex(), "status": out.status, "finding": out.finding,
            "signature": out.signature, "exec": state.execs,
        }
    if fresh:
        state.seen |= fresh
        if keep and (state.room is None or len(state.new) < state.room):
            state.corpus.append(data)
            state.new.append({"input": data.hex(), "features": sorted(out.features)})
            return data
    return None


def going(job: dict[str, Any], state: BatchState, budget: int, deadline: float) -> bool:
    """Budget and clock left, and (with `crash_only`) no crash found yet."""
    if job.get("crash_only") and state.crashes:
        return False
    return state.execs < budget and time.monotonic() < deadline


T_ = TypeVar("T_")


class Stages(Generic[T_]):
    """Queued deterministic dictionary stages, each remembered by the (encoded) entry it
    explores, so that a batch that ends first can hand the unfinished ones back."""

    def __init__(self) -> None:
        self._queue: deque[tuple[bytes, Iterator[T_]]] = deque()

    def add(self, source: bytes, stage: Iterator[T_]) -> None:
        self._queue.append((source, stage))

    def next(self) -> T_ | None:
        while self._queue:
            item = next(self._queue[0][1], None)
            if item is not None:
                return item
            self._queue.popleft()
        return None

    def __bool__(self) -> bool:
        return bool(self._queue)

    def unfinished(self) -> list[str]:
        return [source.hex() for source, _ in self._queue]


#: Bounds up to which FuzzRandom draws an index from one `random()` (53 bits: the bias is
#: below 2**-21 here); wider ranges take random.Random's exact path.
_FAST_BELOW = 1 << 32


class FuzzRandom(random.Random):
    """The batch's generator: `choice` and `randrange` draw from one `random()` call. A
    mutation makes about eight such draws, and random.Random's exact rejection sampling
    (`_randbelow`: getrandbits, bit_length, a loop) made them a fifth of a small target's
    exec. Seeded like random.Random, so a batch is still a pure function of its seed."""

    def choice(self, seq: SupportsLenAndGetItem[T_]) -> T_:
        n = len(seq)
        if 0 < n <= _FAST_BELOW:
            return seq[int(self.random() * n)]
        return super().choice(seq)

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if step == 1:
            low, width = (0, start) if stop is None else (start, stop - start)
            if 0 < width <= _FAST_BELOW:
                return low + int(self.random() * width)
        return super().randrange(start, stop, step)


def pick_parent(corpus: list[bytes], rng: random.Random) -> bytes:
    """Half the time one of the newest entries: what just reached new coverage is where the
    next step deeper is likeliest (a simple power schedule); otherwise any entry."""
    n = len(corpus)  # the draws are FuzzRandom's `randrange` and `choice`, inlined
    if n > 4 and rng.random() < 0.5:
        return corpus[-1 - int(rng.random() * 4)]
    return corpus[int(rng.random() * n)]
