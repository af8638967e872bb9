"""Coverage for scenario targets: a real feature signal read off an engine run.

A feature is a stable 32-bit id (CRC-32, identical in every worker process, unlike Python's
salted `hash`) of one observation: which step ran at which position with which outcome and
which observable branch (events emitted, HTTP status, process exit code and output lines,
delivery vs drop, allocation failure reason), plus log2-bucketed end state (KV size, network
queue, memory in use).
"""

from __future__ import annotations

import zlib
from typing import Any

from workers.engine.runtime import Runtime

_BRANCH_FIELDS = ("status", "exit_code", "dropped", "failed_reason", "existed", "op", "backend")


def fid(text: str) -> int:
    return zlib.crc32(text.encode())


def _bucket(n: int) -> int:
    return n.bit_length()


def _branch(event: dict[str, Any]) -> str:
    fields = event["fields"]
    parts = [event["name"]]
    for key in _BRANCH_FIELDS:
        if key in fields:
            parts.append(f"{key}={fields[key]}")
    return ",".join(parts)


def scenario_features(rt: Runtime, result: dict[str, Any]) -> set[int]:
    feats: set[int] = set()
    step = -1
    kind = ""
    branch: list[str] = []
    for ev in result["events"]:
        name = ev["name"]
        f = ev["fields"]
        if name == "span_start":
            step, kind, branch = f["step_index"], f["step_kind"], []
        elif name == "span_end":
            feats.add(fid(f"{step}|{kind}|{'/'.join(branch)}|{f['status']}"))
            feats.add(fid(f"*|{kind}|{'/'.join(branch)}|{f['status']}"))
        elif name not in ("sched_pick",):
            branch.append(_branch(ev))
            if name == "proc_spawn":
                for line in str(f.get("stdout", "")).splitlines()[:64]:
                    feats.add(fid(f"{step}|stdout|{line[:200]}"))
    for finding in result["findings"]:
        feats.add(fid(f"finding|{finding['kind']}|{finding['title']}"))
    feats.add(fid(f"status|{result['status']}"))
    feats.add(fid(f"state|kv|{_bucket(len(rt.kv))}"))
    feats.add(fid(f"state|net|{_bucket(rt.net.queue_length())}"))
    feats.add(fid(f"state|mem|{_bucket(rt.mem.in_use_bytes())}"))
    return feats
