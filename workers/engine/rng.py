"""The per-run random stream.

Our RNG contract (bit-compatibility with the reference's ChaCha20 is not a goal): the stream
is CPython's Mersenne Twister seeded with the run seed as an integer, and every draw is
`getrandbits(64)`. CPython documents seeding by int and getrandbits as reproducible across
versions, which is what makes traces replay on another machine.

Seeding a Mersenne Twister costs ~4 us (about 5% of a small scenario's fuzz exec), and a
worker keeps running the same seeds (every fuzz mutant that does not mutate the seed
inherits its parent's). So the first draws of each recent seed are remembered per worker
process, and a run seeds a generator only when it draws past what is known. The values are
the same either way: a prefix is only ever filled from the real stream.
"""

from __future__ import annotations

import random
from typing import Any

from workers.engine.memo import BoundedMemo

NAME = "mt19937-64"

PREFIX_DRAWS = 64  # draws remembered per seed
PREFIX_SEEDS = 1024  # seeds remembered per worker (all forgotten at once when full)
_PREFIXES: BoundedMemo[int, list[int]] = BoundedMemo(PREFIX_SEEDS)


class Rng:
    """The stream of one seed. `_drawn` counts draws; a generator exists only once a draw
    went past the remembered prefix, and from then on it is always at position `_drawn`."""

    __slots__ = ("_drawn", "_known", "_r", "_seed")

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._known = _PREFIXES.get(seed, list)
        self._drawn = 0
        self._r: random.Random | None = None

    def u64(self) -> int:
        n = self._drawn
        self._drawn = n + 1
        known = self._known
        r = self._r
        if r is None:
            if n < len(known):
                return known[n]
            r = self._r = random.Random(self._seed)
            for _ in range(n):
                r.getrandbits(64)
        value = r.getrandbits(64)
        if n == len(known) and n < PREFIX_DRAWS:
            known.append(value)
        return value

    def checkpoint(self) -> Any:
        return self._drawn, None if self._r is None else self._r.getstate()

    def restore(self, state: Any) -> None:
        self._drawn, mt = state
        if mt is None:
            self._r = None
        else:
            self._r = random.Random(0)
            self._r.setstate(mt)
