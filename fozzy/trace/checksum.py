"""The trace checksum: BLAKE3 over the canonical bytes of the document minus its checksum.

The canonical bytes are orjson's compact serialization of the document in its member order
(see docs/trace-format.md). The writer always puts `checksum` last, so a compact file is the
canonical bytes with `,"checksum":"<hex>"` spliced in before the final `}`. Verifying such a
file only hashes a slice of it: no parse-and-reserialize round trip on the hot path. Files in
any other layout (pretty-printed, re-indented) fall back to re-serializing the parsed document,
which yields the same canonical bytes.
"""

from __future__ import annotations

import re
from typing import Any

import blake3
import orjson

HEX_LEN = 64
_TAIL = re.compile(rb',"checksum":"([0-9a-f]{64})"\}[ \t\r\n]*\Z')
_HEX = re.compile(r"[0-9a-f]{64}\Z")


class CanonicalError(ValueError):
    """The document holds a value that has no canonical JSON form (e.g. an int beyond u64)."""


def digest(data: bytes) -> str:
    return blake3.blake3(data, max_threads=blake3.blake3.AUTO).hexdigest()


def canonical_bytes(doc: dict[str, Any]) -> bytes:
    """Compact JSON of `doc` without its `checksum` member, members in document order."""
    body = {k: v for k, v in doc.items() if k != "checksum"}
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError as e:
        raise CanonicalError(str(e)) from None


def seal(doc: dict[str, Any], *, pretty: bool = False) -> tuple[bytes, str]:
    """The file bytes of `doc` with its checksum appended as the last member, and the checksum.

    Compact output is exactly the canonical bytes plus the checksum member, which is what
    makes the fast verification path possible; pretty output verifies through the fallback.
    """
    canonical = canonical_bytes(doc)
    checksum = digest(canonical)
    if pretty:
        sealed = {**{k: v for k, v in doc.items() if k != "checksum"}, "checksum": checksum}
        return orjson.dumps(sealed, option=orjson.OPT_INDENT_2) + b"\n", checksum
    return canonical[:-1] + b',"checksum":"' + checksum.encode() + b'"}', checksum


def is_checksum(value: object) -> bool:
    return isinstance(value, str) and _HEX.match(value) is not None


def fast_check(raw: bytes) -> str | None:
    """The recomputed checksum when `raw` is in the writer's compact layout and its stored
    checksum matches, else None (the caller then falls back to `recompute`)."""
    m = _TAIL.search(raw, max(0, len(raw) - 256))
    if m is None:
        return None
    hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
    hasher.update(memoryview(raw)[: m.start()])
    hasher.update(b"}")
    computed = hasher.hexdigest()
    return computed if computed == m.group(1).decode() else None


def recompute(doc: dict[str, Any]) -> str:
    """The checksum of a parsed document, for files not in the compact layout."""
    return digest(canonical_bytes(doc))
