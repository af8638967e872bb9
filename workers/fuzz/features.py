"""Coverage for scenario targets: a real feature signal read off an engine run.

A feature is a stable 32-bit id (CRC-32, identical in every worker process, unlike Python's
salted `hash`) of one observation: which kind of step ran with which outcome and which
observable branch (events emitted, HTTP status, process exit code and output lines, delivery
vs drop, allocation failure reason), how often each (kind, branch) happened (log2 bucket),
and log2-bucketed end state (KV size, network queue, memory in use). Positions are left out
on purpose: duplicating a step would otherwise make every shifted step look new. A real
system's answers (output lines, response bodies) fall into a bounded number of buckets, so
that a program echoing its input cannot make every mutant new.
"""

from __future__ import annotations

import zlib
from typing import Any

from workers.engine.memo import BoundedMemo
from workers.engine.runtime import Runtime

_BRANCH_FIELDS = ("status", "exit_code", "dropped", "failed_reason", "existed", "op", "backend")
#: distinct answers of a real system (output lines, response bodies) count as this many
#: content features per kind at most, whatever their length, plus one feature per log2
#: length class: a program that echoes its input would otherwise make every mutant "new"
#: and grow the corpus by one entry per execution (32 buckets per length class let a
#: 3-second campaign on `echo` keep 181 entries)
ANSWER_BUCKETS = 16


_BRANCH_SET = frozenset(_BRANCH_FIELDS)
_START, _END = object(), object()  # a step's span in a run's shape (see scenario_features)

Shape = tuple[object, ...]
StateKey = tuple[str, int, int, int]  # run status, log2 of KV size, net queue, memory in use

#: feature ids of recently seen run shapes and end states, per worker. A small scenario's
#: mutant mostly runs the same steps down the same branches as its parent, and formatting
#: and hashing those observations again was a fifth of the exec; the ids are the same
#: either way.
_SHAPE_IDS: BoundedMemo[Shape, frozenset[int]] = BoundedMemo(1 << 12)
_STATE_IDS: BoundedMemo[StateKey, tuple[int, ...]] = BoundedMemo(1 << 12)


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def _branch(name: str, fields: dict[str, Any]) -> str:
    parts = [name]
    for key in _BRANCH_FIELDS:
        if key in fields:
            parts.append(f"{key}={fields[key]}")
    return ",".join(parts)


def _answer(texts: list[str], kind: str, text: str) -> None:
    texts.append(f"{kind}|len|{len(text).bit_length()}")
    texts.append(f"{kind}|{zlib.crc32(text.encode()) % ANSWER_BUCKETS}")


def _shape_ids(shape: Shape) -> frozenset[int]:
    """Each step's `kind|branch|status`, and that text with the log2 bucket of how often it
    happened in the run. An event outside a span belongs to no step."""
    counts: dict[str, int] = {}
    kind: object = ""
    branch: list[str] = []
    items = iter(shape)
    for item in items:
        if item is _START:
            kind, branch = next(items), []
        elif item is _END:
            key = f"{kind}|{'/'.join(branch)}|{next(items)}"
            counts[key] = counts.get(key, 0) + 1
        else:
            branch.append(str(item))
    texts = [t for key, n in counts.items() for t in (key, f"{key}#{n.bit_length()}")]
    return _SHAPE_IDS.remember(shape, frozenset(_crc(t) for t in texts))


def _state_ids(key: StateKey) -> tuple[int, ...]:
    status, kv, net, mem = key
    texts = (f"status|{status}", f"state|kv|{kv}", f"state|net|{net}", f"state|mem|{mem}")
    return _STATE_IDS.remember(key, tuple(_crc(t) for t in texts))


def scenario_features(rt: Runtime, result: dict[str, Any]) -> set[int]:
    texts: list[str] = []  # observations that vary with the input: hashed, not memoized
    shape: list[object] = []  # the run's spans and their events' branches, in order
    add = shape.append
    plain = _BRANCH_SET.isdisjoint
    for ev in result["events"]:
        name = ev["name"]
        if name == "sched_pick":
            continue
        f = ev["fields"]
        if name == "span_start":
            add(_START)
            add(f["step_kind"])
        elif name == "span_end":
            add(_END)
            add(f["status"])
        else:
            add(name if plain(f) else _branch(name, f))
            if name == "proc_spawn":
                for line in str(f.get("stdout", "")).splitlines()[:64]:
                    _answer(texts, "stdout", line[:200])
    key = tuple(shape)
    ids = set(_SHAPE_IDS.known(key) or _shape_ids(key))
    for d in result["decisions"]:
        # Host observations: what a real service or program answered is its coverage.
        if d["kind"] == "http_request":
            _answer(texts, f"http|{d.get('status_code')}", str(d.get("body", ""))[:200])
        elif d["kind"] in ("http_request_timeout", "proc_spawn_timeout"):
            texts.append(f"timeout|{d['kind']}")
    for finding in result["findings"]:
        texts.append(f"finding|{finding['kind']}|{finding['title']}")
    state = (f"{result['status']}", len(rt.kv).bit_length(),
             rt.net.queue_length().bit_length(), rt.mem.in_use_bytes().bit_length())
    ids.update(_STATE_IDS.known(state) or _state_ids(state))
    ids.update(_crc(text) for text in texts)
    return ids
