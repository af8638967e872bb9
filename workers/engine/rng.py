"""The per-run random stream.

Our RNG contract (bit-compatibility with the reference's ChaCha20 is not a goal): the stream
is CPython's Mersenne Twister seeded with the run seed as an integer, and every draw is
`getrandbits(64)`. CPython documents seeding by int and getrandbits as reproducible across
versions, which is what makes traces replay on another machine.
"""

from __future__ import annotations

import random
from typing import Any

NAME = "mt19937-64"


class Rng:
    __slots__ = ("_r",)

    def __init__(self, seed: int) -> None:
        self._r = random.Random(seed)

    def u64(self) -> int:
        return self._r.getrandbits(64)

    def checkpoint(self) -> Any:
        return self._r.getstate()

    def restore(self, state: Any) -> None:
        self._r.setstate(state)
