"""What an instrumented `fn:` target reports while it runs: blocks reached, comparison
operands (the table of recent compares), and how close each comparison came to equality.

The rewritten target code (workers/fuzz/instrument.py) calls into the one `PROBE` of this
worker process through a handful of module globals. Each hook first does exactly what the
original expression did — same operands, same evaluation order, same result object — and only
then looks at the operands, so the target behaves as it does uninstrumented.

- Blocks: `__fz_b__[site] = None` at the start of every function body and branch — one
  dict store, no call, so coverage costs a fraction of a `sys.settrace` line tracer.
- Comparisons (libFuzzer's table of recent compares): operands of `==`/`!=`/ordering on
  `int`, `str`, `bytes`, `in` against strings and small containers, `startswith`/`endswith`,
  and keys looked up with `.get`/`[...]` on dicts. The table is insertion-ordered and bounded
  (oldest out first), and reset at the start of every batch, so a batch stays a pure function
  of its inputs.
- Value profile: for an unequal comparison at a site, a feature that says how close the
  operands were (differing bits for ints, common prefix for strings), so an input that gets
  one byte closer to a magic value is new coverage and is kept.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any

#: Pairs kept in the table of recent compares (libFuzzer keeps 32 per type; inputs here are
#: small and Python compares are few, so one bounded table of all types is enough).
TABLE_SIZE = 512
#: Longest operand (in characters or bytes) worth remembering.
MAX_OPERAND = 64
#: Largest container whose members are compared one by one for `x in container`.
MAX_MEMBERS = 32
#: Distinct pairs remembered of the current execution alone (its compare stage's input).
MAX_OWN = 64

EQ, NE, LT, LE, GT, GE, IN, NOT_IN = range(8)
_OPS: tuple[Callable[[Any, Any], Any], ...] = (
    operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge,
    lambda a, b: a in b, lambda a, b: a not in b,
)
_GOLDEN = 0x9E3779B1

Operand = int | str | bytes
Pair = tuple[Operand | None, Operand]


class Compares(tuple[Pair, ...]):
    """A snapshot of the table, with how many pairs the table had evicted (since its reset)
    when it was taken: two snapshots of one batch differ only by evictions at the front and
    additions at the back, which is what lets a mutator's derived pool follow the table."""

    evicted: int

    def __new__(cls, pairs: Iterable[Pair], evicted: int) -> Compares:
        snapshot = super().__new__(cls, pairs)
        snapshot.evicted = evicted
        return snapshot


def _prefix(a: str | bytes, b: str | bytes) -> int:
    n = min(len(a), len(b), MAX_OPERAND)
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class Probe:
    """The per-process recorder; `globals()` is what the rewritten modules see."""

    def __init__(self) -> None:
        self.blocks: dict[int, None] = {}
        self.closeness: set[int] = set()
        self.table: dict[Pair, None] = {}
        #: The pairs of the execution in progress, for the compare stage of an input kept.
        self.own: dict[Pair, None] = {}
        #: Bumped whenever the table changes, so mutators can cache what they derive from it.
        self.version = 0
        self.evicted = 0  # pairs evicted from the table since its reset

    def start(self) -> None:
        """Forget what an earlier execution (or code between executions) left behind."""
        self.blocks.clear()
        self.closeness.clear()
        self.own.clear()

    def reset_table(self) -> None:
        self.table.clear()
        self.version += 1
        self.evicted = 0

    def snapshot(self) -> Compares:
        return Compares(self.table, self.evicted)

    def take_features(self, value_profile: bool = True) -> set[int]:
        """Blocks (and value-profile features) of the execution that just ended."""
        out = set(self.blocks)
        if value_profile:
            out |= self.closeness
        self.blocks.clear()
        self.closeness.clear()
        return out

    def compares(self) -> list[Pair]:
        return list(self.table)

    def own_compares(self) -> list[Pair]:
        """The pairs of the execution that just ran (read before the next one starts)."""
        return list(self.own)

    def _note(self, pair: Pair) -> None:
        if len(self.own) < MAX_OWN:
            self.own[pair] = None
        table = self.table
        if pair not in table:
            if len(table) >= TABLE_SIZE:
                del table[next(iter(table))]
                self.evicted += 1
            table[pair] = None
            self.version += 1

    def _pair(self, site: int, op: int, a: Any, b: Any) -> None:
        """Remember an unequal compare of same-typed operands and how close it came."""
        if isinstance(a, int):
            if isinstance(a, bool):
                return
            distance = min((a ^ b).bit_count(), 64)  # Python ints are unbounded; buckets not
            self.closeness.add((site + (distance + 1) * _GOLDEN) & 0xFFFFFFFF)
            self._note((a, b))
            if op >= LT:  # an ordering wants the value just past the bound, on either side
                self._note((a, b + 1))
                self._note((a, b - 1))
            return
        if len(a) > MAX_OPERAND or len(b) > MAX_OPERAND:
            return
        self.closeness.add((site + (_prefix(a, b) + 65) * _GOLDEN) & 0xFFFFFFFF)
        self._note((a, b))

    def cmp(self, site: int, op: int, a: Any, b: Any) -> Any:
        result = _OPS[op](a, b)
        kind = type(a)
        if op < IN:
            if kind is type(b) and (kind is int or kind is str or kind is bytes) and a != b:
                self._pair(site, op, a, b)
        else:
            self._member(site, a, b)
        return result

    def _member(self, site: int, needle: Any, haystack: Any) -> None:
        kind = type(needle)
        if kind is not int and kind is not str and kind is not bytes:
            return
        if type(haystack) is kind and kind is not int:
            if len(needle) <= MAX_OPERAND:
                self._note((None, needle))  # the haystack (often the input) should hold it
            return
        if type(haystack) is dict:
            self._lookup(needle)
        elif isinstance(haystack, set | frozenset | list | tuple) and (
            len(haystack) <= MAX_MEMBERS
        ):
            for member in haystack:
                if type(member) is kind and member != needle:
                    self._pair(site, EQ, needle, member)

    def affix(self, site: int, subject: Any, name: str, part: Any) -> Any:
        result = getattr(subject, name)(part)
        if type(subject) in (str, bytes) and not result:
            for p in part if isinstance(part, tuple) else (part,):
                if type(p) is type(subject) and p:
                    piece = subject[: len(p)] if name == "startswith" else subject[-len(p):]
                    self._pair(site, EQ, piece, p)
        return result

    def needle(self, site: int, subject: Any, name: str, *args: Any) -> Any:
        """`partition`, `split`, `find` & co.: the separator or needle is a token the input
        should hold, and whether it held it is a feature (so an input that gains the `=` a
        later `partition("=")` needs is kept even before anything else changes)."""
        result = getattr(subject, name)(*args)
        kind = type(subject)
        if (kind is str or kind is bytes) and args and type(args[0]) is kind and args[0]:
            sep = args[0]
            if len(sep) <= MAX_OPERAND:
                found = sep in subject
                self.closeness.add((site + (131 + found) * _GOLDEN) & 0xFFFFFFFF)
                if not found:
                    self._note((None, sep))
        return result

    def get(self, site: int, mapping: Any, key: Any, *default: Any) -> Any:
        result = mapping.get(key, *default)
        if type(mapping) is dict:
            self._lookup(key)
        return result

    def item(self, site: int, mapping: Any, key: Any) -> Any:
        if type(mapping) is dict:
            self._lookup(key)
        return mapping[key]

    def _lookup(self, key: Any) -> None:
        """A key the target looks up is a key the input should contain."""
        if type(key) in (str, bytes, int) and not isinstance(key, bool):
            if not isinstance(key, int) and len(key) > MAX_OPERAND:
                return
            self._note((None, key))

    def globals(self) -> dict[str, Any]:
        return {
            "__fz_b__": self.blocks,
            "__fz_cmp__": self.cmp,
            "__fz_affix__": self.affix,
            "__fz_needle__": self.needle,
            "__fz_get__": self.get,
            "__fz_item__": self.item,
        }


PROBE = Probe()
