"""Quoting helpers for finding messages, so every message quotes values the same way."""

from __future__ import annotations

import orjson


def q(value: str) -> str:
    """A string quoted like a JSON string literal (`"a\\nb"`), non-ASCII kept raw."""
    return orjson.dumps(value).decode()


def opt(value: str | None) -> str:
    """`Some("x")` or `None`: how messages show a value that may be missing."""
    return "None" if value is None else f"Some({q(value)})"
