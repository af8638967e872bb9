"""A parser with a planted bug behind nested conditions, for `fozzy fuzz fn:` to find.

Each check guards the next, so random inputs almost never reach the bug, while a
coverage-guided campaign keeps every input that gets one check further and builds on it.
"""

from __future__ import annotations


def parse_header(data: bytes) -> int:
    """Parse a toy record header: magic, version, flags. Returns the payload length."""
    if len(data) < 8:
        return 0
    if data[0:2] != b"FZ":
        return 0
    version = data[2]
    if version != 7:
        return 1
    flags = data[3]
    if flags & 0x80:
        length = int.from_bytes(data[4:8], "little")
        if length == 0xDEAD:
            raise ValueError("planted bug: reserved length with the extended flag")
        return length
    return 2
