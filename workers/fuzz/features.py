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

from workers.engine.runtime import Runtime

_BRANCH_FIELDS = ("status", "exit_code", "dropped", "failed_reason", "existed", "op", "backend")
#: distinct answers of a real system (output lines, response bodies) count as this many
#: content features per kind at most, whatever their length, plus one feature per log2
#: length class: a program that echoes its input would otherwise make every mutant "new"
#: and grow the corpus by one entry per execution (32 buckets per length class let a
#: 3-second campaign on `echo` keep 181 entries)
ANSWER_BUCKETS = 16


def _branch(event: dict[str, Any]) -> str:
    fields = event["fields"]
    parts = [event["name"]]
    for key in _BRANCH_FIELDS:
        if key in fields:
            parts.append(f"{key}={fields[key]}")
    return ",".join(parts)


def _answer(texts: list[str], kind: str, text: str) -> None:
    texts.append(f"{kind}|len|{len(text).bit_length()}")
    texts.append(f"{kind}|{zlib.crc32(text.encode()) % ANSWER_BUCKETS}")


def scenario_features(rt: Runtime, result: dict[str, Any]) -> set[int]:
    # Observations are collected as texts and hashed in one pass at the end: a helper call
    # per id (and per log2 bucket) cost 7% of this function.
    texts: list[str] = []
    counts: dict[str, int] = {}
    kind = ""
    branch: list[str] = []
    for ev in result["events"]:
        name = ev["name"]
        f = ev["fields"]
        if name == "span_start":
            kind, branch = f["step_kind"], []
        elif name == "span_end":
            key = f"{kind}|{'/'.join(branch)}|{f['status']}"
            counts[key] = counts.get(key, 0) + 1
        elif name != "sched_pick":
            branch.append(_branch(ev))
            if name == "proc_spawn":
                for line in str(f.get("stdout", "")).splitlines()[:64]:
                    _answer(texts, "stdout", line[:200])
    for key, n in counts.items():
        texts.append(key)
        texts.append(f"{key}#{n.bit_length()}")
    for d in result["decisions"]:
        # Host observations: what a real service or program answered is its coverage.
        if d["kind"] == "http_request":
            _answer(texts, f"http|{d.get('status_code')}", str(d.get("body", ""))[:200])
        elif d["kind"] in ("http_request_timeout", "proc_spawn_timeout"):
            texts.append(f"timeout|{d['kind']}")
    for finding in result["findings"]:
        texts.append(f"finding|{finding['kind']}|{finding['title']}")
    texts.append(f"status|{result['status']}")
    texts.append(f"state|kv|{len(rt.kv).bit_length()}")
    texts.append(f"state|net|{rt.net.queue_length().bit_length()}")
    texts.append(f"state|mem|{rt.mem.in_use_bytes().bit_length()}")
    return {zlib.crc32(text.encode()) for text in texts}
