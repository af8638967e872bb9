"""The memory model's allocations as the event stream records them (deterministic)."""

from __future__ import annotations

from typing import Any


def allocations(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Successful allocations in order, each marked `freed` when a later free released it."""
    live: dict[Any, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for ev in events:
        f = ev["fields"]
        if ev["name"] == "memory_alloc" and f.get("alloc_id") and not f.get("failed_reason"):
            row = {"allocId": f["alloc_id"], "callsite": str(f.get("callsite_hash", "")),
                   "bytes": int(f.get("effective_bytes") or f.get("bytes") or 0),
                   "atMs": int(ev["time_ms"]), "freed": False}
            out.append(row)
            live[f["alloc_id"]] = row
        elif ev["name"] == "memory_free" and f.get("alloc_id") in live:
            live.pop(f["alloc_id"])["freed"] = True
    return out
