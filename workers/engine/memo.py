"""A per-worker memo that forgets everything at once when full.

A worker sees the same few keys again and again (one suite's memory options, one scenario's
allocation callsites, the seeds of one corpus), so remembering what they cost to work out
pays on every run; a long campaign must not grow the table without bound, and starting over
is the cheapest bound to keep.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    __slots__ = ("_cap", "_values")

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._values: dict[K, V] = {}

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value remembered for `key`, else `make()`, remembered."""
        value = self._values.get(key)
        if value is None:
            if len(self._values) >= self._cap:
                self._values.clear()
            value = self._values[key] = make()
        return value

    def known(self, key: K) -> V | None:
        """The value remembered for `key`, or None: for hot loops, where building a `make`
        closure per lookup would cost more than the lookup."""
        return self._values.get(key)

    def remember(self, key: K, value: V) -> V:
        if len(self._values) >= self._cap:
            self._values.clear()
        self._values[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._values
