"""The job wire format between coordinator and workers: orjson bytes, never pickles.

A job is `{"op": "run", "items": [RunSpec, ...]}`; the worker answers with one message per
item, `{"i": index, "result": RunResult}`, as each finishes, so that the coordinator always
knows which item a worker was holding when it died or hung.

A job may also carry `shared_seq` (and, the first time a worker sees that sequence number,
`shared`: fields common to every item): the worker merges `shared` under each item, so a
large common part (shrink's base scenario) crosses the pipe once per worker, not per item.

RunSpec keys: scenario {version, name, steps (normalized)}, scenario_path, seed, det,
timeout_ms, backends {proc, fs, http}, memory (options), limits, cwd, replay (decisions or
null). RunResult keys: status, findings, decisions, events, memory, virtualMs, executed, wallNs,
measurements (workers.engine.measure; not deterministic, never compared).
"""

from __future__ import annotations

from typing import Any

import orjson

_OPTS = orjson.OPT_NON_STR_KEYS


def encode(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message, option=_OPTS)


def preencoded(value: Any) -> orjson.Fragment:
    """`value` encoded once, to be embedded as is in any number of messages."""
    return orjson.Fragment(encode(value))


def decode(data: bytes) -> dict[str, Any]:
    value = orjson.loads(data)
    if not isinstance(value, dict):
        raise ValueError("protocol message must be a JSON object")
    return value


def run_job(items: list[dict[str, Any]]) -> bytes:
    return encode({"op": "run", "items": items})


def item_result(index: int, result: dict[str, Any]) -> bytes:
    return encode({"i": index, "result": result})


def item_error(index: int, message: str) -> bytes:
    """An item the worker could not run at all (a bug or a malformed spec), not a step failure."""
    return encode({"i": index, "error": message})
