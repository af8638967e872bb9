"""What the JSON mutators draw from the table of recent compares: keys the target looked up,
both operands of every recorded compare, the printable dictionary tokens, and each seen
operand's counterparts (what it was compared with).

The table moves on most executions (a new operand in, the oldest out), and the `fn:` loop
hands over a new snapshot of it every few hundred mutations; deriving the pool afresh from
each snapshot (512 pairs) was a fourteenth of a small target's exec. Two snapshots of one
batch differ only at the ends, so the pool drops the pairs evicted in between and adds the
new ones, and draws exactly what a pool built from the later snapshot would.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, NamedTuple

from workers.fuzz.probe import Compares, Pair

Json = Any
#: Integers orjson writes (beyond 64 bits it refuses the document).
INT_BOUND = 1 << 63
CounterKey = tuple[type, Any]


class _Part(NamedTuple):
    """One pair's share of the pool."""

    counter: CounterKey | None  # where its wanted operand is a counterpart
    wanted: Any
    values: tuple[Json, ...]
    keys: tuple[str, ...]
    ints: tuple[int, ...]


def _part(pair: Pair) -> _Part:
    # Exact types: the probe records operands of exactly int, str and bytes (never a bool).
    a, b = pair
    values: list[Json] = []
    keys: list[str] = []
    ints: list[int] = []
    for side in (a, b):
        kind = type(side)
        if kind is bytes:
            try:
                side, kind = side.decode(), str  # type: ignore[union-attr]
            except UnicodeDecodeError:
                continue
        if kind is str:
            values.append(side)
            if a is None:
                keys.append(side)  # type: ignore[arg-type]
        elif kind is int and -INT_BOUND < side < INT_BOUND:  # type: ignore[operator]
            values.append(side)
            ints.append(side)  # type: ignore[arg-type]
    counter = None if a is None else (type(a), a)
    return _Part(counter, b, tuple(values), tuple(keys), tuple(ints))


class Joined:
    """The compared values followed by the dictionary tokens, indexable as one sequence."""

    __slots__ = ("head", "tail")

    def __init__(self, head: deque[Json], tail: list[str]) -> None:
        self.head, self.tail = head, tail

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)

    def __getitem__(self, i: int) -> Json:
        n = len(self.head)
        return self.head[i] if i < n else self.tail[i - n]

    def __iter__(self) -> Iterator[Json]:
        return chain(self.head, self.tail)


class TablePool:
    def __init__(self, compares: Sequence[Pair], dictionary: Sequence[bytes]) -> None:
        self.compares = compares
        self.dictionary = dictionary
        self._parts: deque[_Part] = deque()
        self._values: deque[Json] = deque()
        self._keys: deque[str] = deque()
        self._str_values: list[str] | None = None
        #: The integer values, for number mutations (filtering `values` per mutation cost
        #: more than the target's call once the table filled).
        self.ints: deque[int] = deque()
        self.counterparts: dict[CounterKey, deque[Any]] = {}
        tokens = [t.decode() for t in dictionary if t.isascii() and t.decode().isprintable()]
        self.values = Joined(self._values, tokens)
        self._add(compares)

    @property
    def keys(self) -> Sequence[str]:
        """Keys the target looked up; without any, every string value."""
        if self._keys:
            return self._keys
        if self._str_values is None:
            self._str_values = [v for v in self.values if isinstance(v, str)]
        return self._str_values

    def advance(self, compares: Sequence[Pair]) -> bool:
        """Move to `compares`, a later snapshot of the table this pool's came from; False
        (the pool unchanged) when it is not one, or too much was evicted in between."""
        old = self.compares
        if not isinstance(compares, Compares) or not isinstance(old, Compares):
            return False
        drop = compares.evicted - old.evicted
        kept = len(old) - drop
        if drop < 0 or kept < 0 or kept > len(compares):
            return False
        for _ in range(drop):
            self._drop()
        self._add(compares[kept:])
        self.compares = compares
        self._str_values = None
        return True

    def _add(self, pairs: Iterable[Pair]) -> None:
        for pair in pairs:
            part = _part(pair)
            self._parts.append(part)
            self._values.extend(part.values)
            self._keys.extend(part.keys)
            self.ints.extend(part.ints)
            if part.counter is not None:
                self.counterparts.setdefault(part.counter, deque()).append(part.wanted)

    def _drop(self) -> None:
        part = self._parts.popleft()
        for _ in part.values:
            self._values.popleft()
        for _ in part.keys:
            self._keys.popleft()
        for _ in part.ints:
            self.ints.popleft()
        if part.counter is not None:
            wanted = self.counterparts[part.counter]
            wanted.popleft()
            if not wanted:
                del self.counterparts[part.counter]
