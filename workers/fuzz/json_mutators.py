"""Structure-aware mutation of JSON inputs: edit the document, not its bytes.

A byte flip in a JSON document almost always makes it invalid, so a target that parses JSON
first spends the campaign on its parse error. These mutators decode the parent, change one
member — insert, delete, retype, rename a key, nudge a number, splice a value from another
corpus entry, or substitute a value from the table of recent compares (so `doc.get("role") ==
"admin"` hands over both the key and the value it wants) — and serialise back, so every
mutant is valid JSON. Byte-level mutators keep their share of the budget (workers/fuzz/
campaign.py decides the split).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence
from typing import Any

import orjson

from workers.engine.memo import BoundedMemo
from workers.fuzz.bytes_mutators import INTERESTING_32, MutationContext
from workers.fuzz.json_pool import Joined, Json, TablePool

#: The name `--mutator` selects these by.
JSON_MUTATOR = "json"
#: Containers visited when picking where to mutate (a huge document is not walked whole).
MAX_NODES = 256

Slot = tuple[Any, Any]  # (container, key or index)
Path = tuple[Any, ...]  # keys and indices from the root


def decode(data: bytes) -> Json | None:
    """The document when `data` is a JSON object or array, else None (a bare number or
    string parses as JSON too, but says nothing about the input being a document)."""
    if data[:1] not in (b"{", b"["):
        return None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict | list) else None


_table_pool: TablePool | None = None
#: The slots of corpus entries decoded for splicing, this batch (read only: a spliced value
#: is inserted into a freshly decoded document that is serialised at once).
_spliced: dict[bytes, list[Slot] | None] = {}


def reset_pool() -> None:
    """Forget the pool: called with the table's reset at the start of every batch, so that
    nothing derived from an earlier batch reaches this one."""
    global _table_pool
    _table_pool = None
    _spliced.clear()


def _pool(ctx: MutationContext) -> TablePool:
    """The pool of `ctx`'s table and dictionary: moved on to a new snapshot of the same
    batch's table, built afresh for another dictionary or table (a pure function of the
    mutation sequence, so batches stay reproducible)."""
    global _table_pool
    memo = _table_pool
    if memo is not None and memo.dictionary is ctx.dictionary and (
        memo.compares is ctx.compares or memo.advance(ctx.compares)
    ):
        return memo
    memo = _table_pool = TablePool(ctx.compares, ctx.dictionary)
    return memo


def _splice_source(ctx: MutationContext, rng: random.Random) -> list[Slot] | None:
    """The slots of one of the 16 newest corpus entries (None when it is not a document)."""
    recent = ctx.corpus[-16:]
    if not recent:
        return None
    data = rng.choice(recent)
    if data not in _spliced:
        doc = decode(data)
        _spliced[data] = None if doc is None else _slots(doc)
    return _spliced[data]


def _walk(doc: Json) -> tuple[list[tuple[Path, Any, Any]], list[tuple[Path, Any]]]:
    """Every member below the root as (its container's path, the container, its key) and
    every container as (path, container), breadth first, bounded."""
    slots: list[tuple[Path, Any, Any]] = []
    containers: list[tuple[Path, Any]] = []
    queue: deque[tuple[Path, Any]] = deque([((), doc)])
    while queue and len(containers) < MAX_NODES:
        path, node = queue.popleft()
        if isinstance(node, dict):
            containers.append((path, node))
            for k, v in node.items():
                slots.append((path, node, k))
                queue.append(((*path, k), v))
        elif isinstance(node, list):
            containers.append((path, node))
            for i, v in enumerate(node):
                slots.append((path, node, i))
                queue.append(((*path, i), v))
    return slots, containers


def _slots(doc: Json) -> list[Slot]:
    """Every (container, key) below the root of a document that stays as it is."""
    return [(container, key) for _, container, key in _walk(doc)[0]]


Shape = tuple[list[tuple[Path, Any]], list[Path]]
#: The slots and containers of recent parents, as paths from the root: a parent is mutated
#: again and again, each time freshly decoded, and walking its document each time was a
#: tenth of a small target's exec. The paths resolve in the fresh document to the very
#: slots a walk of it would give, in the same order, so the mutants are the same.
_SHAPES: BoundedMemo[bytes, Shape] = BoundedMemo(4096)


def _shape(data: bytes, doc: Json) -> Shape:
    shape = _SHAPES.known(data)
    if shape is None:
        slots, containers = _walk(doc)
        shape = _SHAPES.remember(data, ([(path, key) for path, _, key in slots],
                                        [path for path, _ in containers]))
    return shape


def _at(root: Json, path: Path) -> Any:
    node = root
    for key in path:
        node = node[key]
    return node


def _scalar(rng: random.Random, values: Joined) -> Json:
    if values and rng.random() < 0.7:
        return rng.choice(values)
    return rng.choice((0, 1, -1, rng.randrange(1 << 16), rng.choice(INTERESTING_32), "",
                       "a", True, False, None, 0.5, [], {}))


def _counterpart(value: Json, rng: random.Random, pool: TablePool) -> Json | None:
    """What the target compared this value against, if it did (libFuzzer's TORC step: the
    operand seen replaced by the one it was compared with)."""
    try:
        matches = pool.counterparts.get((type(value), value))
    except TypeError:  # a list or object: never an operand
        return None
    return rng.choice(matches) if matches else None


def _number(value: float, rng: random.Random, ints: deque[int]) -> Json:
    if ints and rng.random() < 0.5:
        return rng.choice(ints)
    base = int(value)
    return rng.choice((base + 1, base - 1, base * 2, -base, 0, rng.choice(INTERESTING_32)))


def _insert(target: Any, rng: random.Random, keys: Sequence[str], values: Joined) -> None:
    value = _scalar(rng, values)
    if isinstance(target, dict):
        key = rng.choice(keys) if keys and rng.random() < 0.8 else f"k{rng.randrange(100)}"
        target[key] = value
    else:
        target.insert(rng.randrange(len(target) + 1), value)


def _other_value(ctx: MutationContext, rng: random.Random) -> Json | None:
    slots = _splice_source(ctx, rng)
    if not slots:
        return None
    container, key = rng.choice(slots)
    return container[key]


def _edit_slot(op: str, slot: Slot, rng: random.Random, ctx: MutationContext,
               pool: TablePool) -> None:
    container, key = slot
    current = container[key]
    if op == "delete":
        del container[key]
    elif op == "table":
        found = _counterpart(current, rng, pool)
        container[key] = found if found is not None else _scalar(rng, pool.values)
    elif op == "number" and isinstance(current, int | float) and not isinstance(current, bool):
        container[key] = _number(current, rng, pool.ints)
    elif op == "rename" and isinstance(container, dict) and pool.keys:
        container[rng.choice(pool.keys)] = container.pop(key)
    elif op == "splice":
        other = _other_value(ctx, rng)
        container[key] = other if other is not None else _scalar(rng, pool.values)
    else:  # retype, or an op that does not fit this slot
        container[key] = _scalar(rng, pool.values)


_OPS = ("insert", "insert", "delete", "retype", "table", "table", "number", "rename", "splice")


def mutate_json(data: bytes, doc: Json, rng: random.Random, ctx: MutationContext) -> bytes:
    """One structural edit of `doc` (decoded from `data`, and consumed), serialised
    compactly; a document that would outgrow the input limit leaves `data` as it was."""
    pool = _pool(ctx)
    root = doc if isinstance(doc, dict | list) else {}
    slots, containers = _shape(data, root)
    # The draws are FuzzRandom's `choice`, inlined: this runs on every other exec.
    draw = rng.random
    op = _OPS[int(draw() * len(_OPS))] if slots else "insert"
    if op == "insert":
        _insert(_at(root, containers[int(draw() * len(containers))]), rng, pool.keys,
                pool.values)
    else:
        path, key = slots[int(draw() * len(slots))]
        _edit_slot(op, (_at(root, path), key), rng, ctx, pool)
    try:
        out = orjson.dumps(root)
    except TypeError:  # an int beyond 64 bits, which orjson does not write
        return data
    return out if len(out) <= ctx.max_len else data
