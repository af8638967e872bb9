"""Byte-level mutators (AFL/libFuzzer style) shared by `fn:` targets and string fields.

Every mutator is a pure function of (data, rng, context) so a campaign with a fixed seed is
reproducible. Names are stable: `--mutator NAME` selects them.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

_DIGITS = re.compile(rb"[0-9]{1,18}")
INTERESTING_8 = (0, 1, 16, 32, 64, 100, 127, 128, 255)
INTERESTING_16 = (0, 128, 255, 256, 512, 1000, 1024, 4096, 32767, 32768, 65535)
INTERESTING_32 = (0, 1, 32768, 65535, 65536, 100663045, 2147483647, 2147483648, 4294967295)


class MutationContext(NamedTuple):
    """What a mutator may borrow from: the corpus (for splicing) and the dictionary."""

    corpus: Sequence[bytes] = ()
    dictionary: Sequence[bytes] = ()
    max_len: int = 4096
    #: A snapshot of the table of recent compares, `(seen, wanted)` operand pairs (`seen`
    #: None: a token the input should contain), filled by an instrumented `fn:` target
    #: (workers/fuzz/probe.py). What is derived from it may be cached on its identity.
    compares: Sequence[tuple[Any, Any]] = ()


ByteMutator = Callable[[bytes, random.Random, MutationContext], bytes]


def bit_flip(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    i = rng.randrange(len(b) * 8)
    b[i >> 3] ^= 1 << (i & 7)
    return bytes(b)


def byte_flip(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


#: Each width with its boundary values (one draw picks both).
_INTERESTING = ((1, INTERESTING_8), (2, INTERESTING_16), (4, INTERESTING_32))


def interesting(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    width, table = rng.choice(_INTERESTING)
    value = rng.choice(table).to_bytes(width, "little" if rng.random() < 0.5 else "big")
    if len(data) < width:
        return value
    b = bytearray(data)
    i = rng.randrange(len(b) - width + 1)
    b[i : i + width] = value
    return bytes(b)


def arith(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    i = rng.randrange(len(b))
    b[i] = (b[i] + rng.choice((-35, -8, -1, 1, 8, 35))) % 256
    return bytes(b)


def insert_bytes(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    i = rng.randrange(len(data) + 1)
    n = rng.choice((1, 1, 2, 4, 8))
    chunk = bytes(rng.randrange(256) for _ in range(n))
    return data[:i] + chunk + data[i:]


def delete_bytes(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    if len(data) < 2:
        return data[:0]
    i = rng.randrange(len(data))
    n = rng.randrange(1, min(16, len(data) - i) + 1)
    return data[:i] + data[i + n :]


def duplicate_chunk(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    n = rng.randrange(1, min(32, len(data) - i) + 1)
    j = rng.randrange(len(data) + 1)
    return data[:j] + data[i : i + n] + data[j:]


def splice(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    """Crossover: a prefix of this input joined to a suffix of another corpus entry."""
    other = rng.choice(ctx.corpus) if ctx.corpus else data
    if other == data:  # rare once the corpus has grown: only then is it worth a scan
        others = [c for c in ctx.corpus if c != data]
        if not others:
            return duplicate_chunk(data, rng, ctx)
        other = rng.choice(others)
    return data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]


_DELIMS = frozenset(b"=;&/:, \t\n|?#")


def _position(data: bytes, rng: random.Random, limit: int) -> int:
    """A position in 0..limit, half the time at a token boundary (either end, or just after
    a delimiter such as `=`, `;`, `/`): where text formats put their fields."""
    if rng.random() < 0.5:
        cuts = [0, limit] + [i + 1 for i, b in enumerate(data[:limit]) if b in _DELIMS]
        return rng.choice(cuts)
    return rng.randrange(limit + 1)


def boundaries(data: bytes) -> list[int]:
    """Token boundaries: both ends and just after each delimiter."""
    return sorted({0, len(data), *(i + 1 for i, b in enumerate(data) if b in _DELIMS)})


def dictionary_stage(data: bytes, tokens: Sequence[bytes]) -> Iterator[bytes]:
    """AFL's deterministic dictionary stage, at token boundaries: every token inserted at,
    and written over, every boundary. Run once per new corpus entry, it finds a magic value
    in the right place in a handful of executions instead of by chance."""
    seen = {data}
    for token in tokens:
        for i in boundaries(data):
            for out in (data[:i] + token + data[i:], data[:i] + token + data[i + len(token):]):
                if out not in seen:
                    seen.add(out)
                    yield out


def dict_insert(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    if not ctx.dictionary:
        return insert_bytes(data, rng, ctx)
    word = rng.choice(ctx.dictionary)
    i = _position(data, rng, len(data))
    return data[:i] + word + data[i:]


def dict_overwrite(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    if not ctx.dictionary:
        return byte_flip(data, rng, ctx)
    word = rng.choice(ctx.dictionary)
    if len(data) <= len(word):
        return word
    i = _position(data, rng, len(data) - len(word))
    return data[:i] + word + data[i + len(word) :]


def ascii_int(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    """Change a decimal number written in the data (a version, a length, an id) the way
    numbers are worth changing: ±1, doubled, halved, zero, a boundary, a random value."""
    runs = [(m.start(), m.end()) for m in _DIGITS.finditer(data)]
    if not runs:
        return interesting(data, rng, ctx)
    start, end = rng.choice(runs)
    value = int(data[start:end])
    new = rng.choice((value + 1, value - 1, value * 2, value // 2, 0, 255, 65535,
                      2**31 - 1, rng.randrange(1 << 32)))
    return data[:start] + str(abs(new)).encode() + data[end:]


@functools.lru_cache(maxsize=4096, typed=True)
def _encodings(value: Any) -> Mapping[str, bytes]:
    """How an operand may be written in the input, by style, so that a seen value and the
    wanted one are swapped in the same style (decimal text, or binary of one width/order).
    Cached (typed, so 1 and True differ): the table's operands recur on every mutation."""
    if isinstance(value, str):
        return {"text": value.encode()}
    if isinstance(value, bytes):
        return {"text": value}
    if not isinstance(value, int) or isinstance(value, bool):
        return {}
    out = {"text": str(value).encode()}
    if 0 <= value < 1 << 64:
        for width in (1, 2, 4, 8):
            if value < 1 << (8 * width):
                out[f"le{width}"] = value.to_bytes(width, "little")
                out[f"be{width}"] = value.to_bytes(width, "big")
    return out


#: Candidates one compare stage may try (it runs once per input kept).
COMPARE_STAGE_MAX = 256
#: Words (and token boundaries) a compare stage inserts.
COMPARE_STAGE_WORDS = 16


def compare_stage(data: bytes, pairs: Sequence[tuple[Any, Any]]) -> Iterator[bytes]:
    """Input-to-state (Redqueen's idea), run once on an input just kept, over the compares
    its own execution made: where a seen operand sits in the input, write the wanted one in
    its place (same encoding); a wanted value compared against nothing, or a separator the
    input lacks, is inserted at each token boundary — separator and value also joined, since
    a missing `=` is why the field after it was empty."""
    seen = {data}
    made = 0
    replacements: list[bytes] = []
    for was, wanted in pairs:
        new, old = _encodings(wanted), ({} if was is None else _encodings(was))
        for style, o in old.items():
            if o and style in new and o in data:
                i = data.find(o)
                replacements.append(data[:i] + new[style] + data[i + len(o):])
    seps = [_encodings(w).get("text", b"") for was, w in pairs if was is None]
    values = [_encodings(w).get("text", b"") for was, w in pairs if was in ("", b"")]
    words = [w for w in (*seps, *values, *(a + b for a in seps for b in values)) if w]
    inserts = (data[:i] + w + data[i:] for w in words[:COMPARE_STAGE_WORDS]
               for i in boundaries(data)[:COMPARE_STAGE_WORDS])
    for out in (*replacements, *inserts):
        if made >= COMPARE_STAGE_MAX:
            return
        if out not in seen:
            seen.add(out)
            made += 1
            yield out


def compare_replace(data: bytes, rng: random.Random, ctx: MutationContext) -> bytes:
    """libFuzzer's table of recent compares: where the input holds an operand the target
    compared, write the operand it was compared with; otherwise put the wanted value in."""
    if not ctx.compares:
        return dict_overwrite(data, rng, ctx)
    seen, wanted = rng.choice(ctx.compares)
    new = _encodings(wanted)
    if not new:
        return data
    old = _encodings(seen)
    styles = [s for s in old if s in new and old[s] and old[s] in data]
    if styles:
        style = rng.choice(styles)
        at = [data.find(old[style])]
        while (nxt := data.find(old[style], at[-1] + 1)) >= 0:
            at.append(nxt)
        i = rng.choice(at)
        return data[:i] + new[style] + data[i + len(old[style]):]
    word = rng.choice(list(new.values()))
    i = _position(data, rng, len(data))
    return data[:i] + word + data[i + (len(word) if rng.random() < 0.5 else 0):]


BYTE_MUTATORS: dict[str, ByteMutator] = {
    "bit_flip": bit_flip,
    "byte_flip": byte_flip,
    "interesting": interesting,
    "arith": arith,
    "insert": insert_bytes,
    "delete": delete_bytes,
    "duplicate": duplicate_chunk,
    "splice": splice,
    "dict_insert": dict_insert,
    "dict_overwrite": dict_overwrite,
    "ascii_int": ascii_int,
    "cmp": compare_replace,
}
_ALL_NAMES = tuple(BYTE_MUTATORS)


def mutate_bytes(
    data: bytes,
    rng: random.Random,
    ctx: MutationContext,
    names: Sequence[str] | None = None,
    stack: int = 0,
) -> bytes:
    """Apply a small random stack of mutators (`stack` of them, else 1, 2 or 4)."""
    pool = names or _ALL_NAMES
    draw = rng.random  # FuzzRandom's `randrange` and `choice`, inlined: a third of their cost
    depth = stack or 1 << int(draw() * 3)
    out = data
    for _ in range(depth):
        out = BYTE_MUTATORS[pool[int(draw() * len(pool))]](out, rng, ctx)
    return out[: ctx.max_len]
