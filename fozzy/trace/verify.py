"""`trace verify`: the integrity verdict on one trace file (§2.5).

`ok` is the verdict itself: checksum present and valid and no warnings. Strict mode turns a
negative verdict into an error; unsafe mode reports it and lets the caller go on.
"""

from __future__ import annotations

import os
from typing import Any

from fozzy.errors import TraceError
from fozzy.trace.model import host_warnings, stale_warning
from fozzy.trace.reader import Inspection, inspect


def warnings_for(info: Inspection) -> list[str]:
    out: list[str] = []
    stale = stale_warning(info.version)
    if stale is not None:
        out.append(stale)
    # Bytes the checksum vouches for on the fast path are the writer's compact orjson output
    # (no whitespace, ASCII letters never escaped): an event field `backend` equal to "host"
    # must appear there as exactly these bytes. Without them the event scan (the slow part
    # of verifying a big trace) is skipped.
    if info.fast and b'"backend":"host"' not in info.raw:
        return out
    doc = info.document()
    out.extend(host_warnings(doc["decisions"], doc["events"]))
    return out


def verify_trace(path: str | os.PathLike[str], *, strict: bool) -> dict[str, Any]:
    """The verify report; raises `TraceError` for unreadable traces and, in strict mode, for
    any negative verdict (the report is then not printed)."""
    info = inspect(path)
    warnings = warnings_for(info)
    ok = info.checksum_present and info.checksum_valid and not warnings
    if strict and not ok:
        reasons: list[str] = []
        if not info.checksum_present:
            reasons.append("checksum missing")
        if not info.checksum_valid:
            reasons.append("checksum invalid")
        if warnings:
            reasons.append("warnings: " + "; ".join(warnings))
        raise TraceError(
            f"strict mode: trace verify failed integrity policy ({', '.join(reasons)})"
        )
    try:
        shown = os.path.realpath(info.path)
    except OSError:
        shown = str(info.path)
    report: dict[str, Any] = {
        "ok": ok,
        "path": shown,
        "version": info.version,
        "checksumPresent": info.checksum_present,
        "checksumValid": info.checksum_valid,
    }
    if warnings:
        report["warnings"] = warnings
    if b'"fn:' in info.raw:
        from fozzy.trace.trust import replay_target

        report.update(replay_target(info.document()) or {})
    return report
