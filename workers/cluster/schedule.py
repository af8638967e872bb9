"""Choice points and the strategies that pick at them.

A *choice* is an int: `STEP` (0) runs the next script step, a positive int delivers the
queued message with that id. A *schedule* is the list of choices a run made; because message
ids depend on the script alone (see `workers.cluster.model`), replaying the list reproduces
the run exactly. A schedule may stop early: whatever is left is completed by the `fifo`
rule, so a short schedule is still a whole run and shrinking can drop its tail.

Strategies:

* `fifo` — deliver the oldest queued message, run the next step only when the network is
  idle: the one benign, fully ordered schedule.
* `random` — a uniform pick among all enabled choices, from the batch's seeded RNG.
* `pct` — probabilistic concurrency testing: the script and every message are tasks with
  random priorities; the highest-priority enabled task runs; at `depth - 1` random change
  points the running task drops to a low priority. Finds bugs of depth d with probability
  at least 1/(n·k^(d-1)).
* `coverage_guided` — looks one choice ahead and prefers choices that lead to a state hash
  never seen before in the campaign; random among the rest when none is new.
* `bfs` / `dfs` — systematic enumeration of every schedule, breadth- or depth-first, with
  state-hash pruning (see `enumerate_schedules`).
"""

from __future__ import annotations

import hashlib
import random
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import orjson

from workers.cluster.model import AssertFailed, Cluster
from workers.engine.findings import Finding

STEP = 0

STRATEGIES = ("fifo", "random", "pct", "coverage_guided", "bfs", "dfs")
SYSTEMATIC = ("bfs", "dfs")

DEFAULT_PCT_DEPTH = 3


_MEMO: dict[tuple[Any, ...], int] = {}
_MEMO_MAX = 1 << 18


def state_hash(c: Cluster) -> int:
    """A 64-bit hash of the state's fingerprint that is the same in every process.

    Python's own `hash` of strings changes per process, and workers merge their seen sets;
    a bounded memo keeps the digest off the hot path for states met again.
    """
    fp = c.fingerprint()
    h = _MEMO.get(fp)
    if h is None:
        digest = hashlib.blake2b(orjson.dumps(fp), digest_size=8).digest()
        h = int.from_bytes(digest, "big") >> 1  # < 2**63: fits every JSON reader's int
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        _MEMO[fp] = h
    return h


def enabled(c: Cluster) -> list[int]:
    out = [m.id for m in c.queue]
    if c.steps_left:
        out.insert(0, STEP)
    return out


def apply(c: Cluster, choice: int) -> bool:
    """Make `choice`; False (and no change) when it is not enabled in this state.

    A failing `client_get_assert` propagates as AssertFailed after the step counts as made.
    """
    if choice == STEP:
        if not c.steps_left:
            return False
        c.run_step()
        return True
    i = c.index_of(choice)
    if i < 0:
        return False
    c.deliver_at(i)
    return True


def fifo_choice(c: Cluster) -> int:
    """The completion rule; only called on a state that is not quiescent."""
    return c.queue[0].id if c.queue else STEP


class Picker(Protocol):
    def start(self) -> None:
        """Reset per-schedule state before a new schedule begins."""

    def pick(self, c: Cluster) -> int:
        """One enabled choice for the non-quiescent state `c`."""


class FifoPicker:
    def start(self) -> None:
        return None

    def pick(self, c: Cluster) -> int:
        return fifo_choice(c)


class RandomPicker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def start(self) -> None:
        return None

    def pick(self, c: Cluster) -> int:
        n = len(c.queue)
        if c.steps_left:
            r = self.rng.randrange(n + 1)
            return STEP if r == n else c.queue[r].id
        return c.queue[self.rng.randrange(n)].id


class PctPicker:
    """PCT over tasks: task 0 is the script, task m is message m (created when sent)."""

    def __init__(self, rng: random.Random, depth: int, length: int) -> None:
        if depth < 1:
            raise ValueError("pct depth must be >= 1")
        self.rng = rng
        self.depth = depth
        self.length = max(1, length)
        self.prio: dict[int, float] = {}
        self.changes: dict[int, int] = {}
        self.count = 0

    def start(self) -> None:
        self.prio = {}
        self.count = 0
        points = self.rng.sample(range(1, self.length + 1), min(self.depth - 1, self.length))
        # The i-th change point lowers the running task to priority depth-1-i: below every
        # initial priority (all >= depth) and below earlier change points.
        self.changes = {p: self.depth - 1 - i for i, p in enumerate(sorted(points))}

    def _best(self, tasks: list[int]) -> int:
        prio = self.prio
        for t in tasks:
            if t not in prio:
                prio[t] = self.depth + self.rng.random()
        return max(tasks, key=prio.__getitem__)

    def pick(self, c: Cluster) -> int:
        self.count += 1
        tasks = enabled(c)
        best = self._best(tasks)
        low = self.changes.get(self.count)
        if low is not None:
            self.prio[best] = float(low)
            best = self._best(tasks)
        return best


class CoveragePicker:
    """Prefers choices whose resulting state hash is not in `seen` (shared by the batch)."""

    def __init__(self, rng: random.Random, seen: set[int]) -> None:
        self.rng = rng
        self.seen = seen

    def start(self) -> None:
        return None

    def pick(self, c: Cluster) -> int:
        choices = enabled(c)
        fresh: list[int] = []
        for ch in choices:
            child = c.copy()
            try:
                apply(child, ch)
            except AssertFailed:
                fresh.append(ch)
                continue
            if state_hash(child) not in self.seen:
                fresh.append(ch)
        pool = fresh or choices
        return pool[self.rng.randrange(len(pool))]


# What a leaf callback sees: the full schedule, its final state, an assertion finding if a
# `client_get_assert` failed on the way. It returns True to stop the enumeration.
LeafFn = Callable[[list[int], Cluster, Finding | None], bool]


def complete(c: Cluster, choices: list[int]) -> Finding | None:
    """Run `c` to quiescence with the fifo rule, appending to `choices`."""
    while not c.quiescent:
        ch = fifo_choice(c)
        choices.append(ch)
        try:
            apply(c, ch)
        except AssertFailed as e:
            return e.finding
    return None


def enumerate_schedules(
    root: Cluster,
    order: str,
    depth: int | None,
    prune: bool,
    seen: dict[int, int],
    on_leaf: LeafFn,
    out_of_time: Callable[[], bool],
) -> bool:
    """Visit every schedule of `root` (bfs or dfs); True when the space was exhausted.

    Choices are enumerated up to `depth` (None: until quiescence, which always comes because
    deliveries create no messages); past it a schedule is completed by fifo. `seen` maps
    each state hash to the smallest depth it was reached at. With `prune`, a state already
    reached at the same or a smaller depth is not expanded again: its futures are a subset of
    those already explored from there, so no violation is missed. Without `prune` every path
    is walked and `seen` only counts distinct states.
    """
    seen.setdefault(state_hash(root), 0)
    if root.quiescent:
        on_leaf([], root, None)
        return True
    frontier: deque[tuple[Cluster, list[int]]] = deque([(root, [])])
    take = frontier.popleft if order == "bfs" else frontier.pop
    while frontier:
        if out_of_time():
            return False
        state, path = take()
        kids = enabled(state)
        if order != "bfs":
            kids.reverse()  # the stack pops the first enabled choice first
        for ch in kids:
            child = state.copy()
            cpath = [*path, ch]
            try:
                apply(child, ch)
            except AssertFailed as e:
                if on_leaf(cpath, child, e.finding):
                    return False
                continue
            d = len(cpath)
            h = state_hash(child)
            known = seen.get(h)
            if known is None or d < known:
                seen[h] = d
            elif prune:
                continue
            if child.quiescent:
                if on_leaf(cpath, child, None):
                    return False
            elif depth is not None and d >= depth:
                failed = _complete_counting(child, cpath, seen)
                if on_leaf(cpath, child, failed):
                    return False
            else:
                frontier.append((child, cpath))
    return True


def _complete_counting(c: Cluster, choices: list[int], seen: dict[int, int]) -> Finding | None:
    """`complete`, also recording each state it passes with its depth."""
    while not c.quiescent:
        ch = fifo_choice(c)
        choices.append(ch)
        try:
            apply(c, ch)
        except AssertFailed as e:
            return e.finding
        h = state_hash(c)
        known = seen.get(h)
        if known is None or len(choices) < known:
            seen[h] = len(choices)
    return None
