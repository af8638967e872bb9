"""Structural JSON comparison with JSON's own notion of type.

Python's `==` says `1 == 1.0` and `True == 1`; a scenario that expects `1` must not pass on
`1.0` or `true`, because a real client decoding the body would see a different value. Object
key order never matters. The diff names where values disagree (`$`-rooted paths) so a failure
can point at the first few differences instead of dumping two whole documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from workers.steps.parse import json_type_name

MAX_MISMATCHES = 64

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass
class JsonDiff:
    """Differences in discovery order; `total` counts all of them, `mismatches` keeps the
    first `MAX_MISMATCHES`."""

    mismatches: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def add(self, kind: str, path: str, **values: Any) -> None:
        self.total += 1
        if len(self.mismatches) < MAX_MISMATCHES:
            self.mismatches.append({"kind": kind, "path": path, **values})


def _key_path(path: str, key: str) -> str:
    if _IDENT.match(key):
        return f"{path}.{key}"
    return f"{path}[{orjson.dumps(key).decode()}]"


def _walk(expected: Any, actual: Any, path: str, out: JsonDiff) -> None:
    ek, ak = json_type_name(expected), json_type_name(actual)
    if ek != ak:
        out.add("value_mismatch", path, expected=expected, actual=actual)
    elif ek == "object":
        for key, value in expected.items():
            if key in actual:
                _walk(value, actual[key], _key_path(path, key), out)
            else:
                out.add("missing_key", _key_path(path, key), expected=value)
        for key, value in actual.items():
            if key not in expected:
                out.add("extra_key", _key_path(path, key), actual=value)
    elif ek == "array":
        for i, value in enumerate(expected):
            if i < len(actual):
                _walk(value, actual[i], f"{path}[{i}]", out)
            else:
                out.add("missing_index", f"{path}[{i}]", expected=value)
        for i in range(len(expected), len(actual)):
            out.add("extra_index", f"{path}[{i}]", actual=actual[i])
    elif expected != actual:
        out.add("value_mismatch", path, expected=expected, actual=actual)


def json_diff(expected: Any, actual: Any) -> JsonDiff:
    """Every structural difference between two decoded JSON values.

    Equal canonical texts mean equal JSON values (the text keeps `1` apart from `1.0` and
    `true`), and comparing them is done in C; the walk, which builds a path string for every
    node, then only runs for documents that differ (or that orjson cannot encode)."""
    out = JsonDiff()
    try:
        if _canonical(expected) == _canonical(actual):
            return out
    except orjson.JSONEncodeError:
        pass
    _walk(expected, actual, "$", out)
    return out


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def canonical_json(value: Any) -> str:
    """Compact JSON with object keys sorted: the one text a `json` response body becomes.

    Raises `orjson.JSONEncodeError` for values JSON cannot carry (integers beyond 64 bits)."""
    return _canonical(value).decode()
