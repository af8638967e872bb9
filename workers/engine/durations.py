"""Duration strings (`250ms`, `2s`, `5m`, `1h`) shared by scenarios and CLI flags.

The grammar is deliberately tiny (digits then one unit) so that every component that accepts a
duration agrees on what is valid; anything else is an error naming what was wrong.
"""

from __future__ import annotations

from workers.engine.quote import q

U64_MAX = (1 << 64) - 1

_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


class DurationError(ValueError):
    """A duration string that does not follow `DIGITS UNIT`."""


def parse_duration_ms(text: str) -> int:
    """Milliseconds for `text`, saturating at u64 max; raises DurationError with the reason."""
    s = text.strip()
    if not s:
        raise DurationError("empty duration")
    i = 0
    while i < len(s) and "0" <= s[i] <= "9":
        i += 1
    if i == 0:
        raise DurationError(f"invalid duration {q(text)} (missing number)")
    digits, unit = s[:i], s[i:]
    if not unit:
        raise DurationError(f"invalid duration {q(text)} (missing unit; expected ms|s|m|h)")
    if unit not in _UNIT_MS:
        raise DurationError(f"invalid duration unit {q(unit)} (expected ms|s|m|h)")
    value = int(digits)
    if value > U64_MAX:
        raise DurationError(f"invalid duration number: {digits} (from {q(text)})")
    return min(value * _UNIT_MS[unit], U64_MAX)
