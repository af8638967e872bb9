"""The run summary (`report.json`, the `--json` document, the trace's `summary`) and the
manifest that mirrors it.

Members are built in the serialization order of the reference (§3.1) so that the same
summary reads the same everywhere. Timings follow DECISIONS: `durationMs` is wall time, the
virtual clock is reported separately as `virtualMs`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fozzy.schema_ids import RUN_MANIFEST
from workers.engine.findings import CHECKER, KIND_ORDER

MANIFEST_SCHEMA = RUN_MANIFEST
STATUSES = ("pass", "fail", "error", "timeout", "crash")
MODES = ("test", "run", "fuzz", "explore", "replay")
MEMORY_KEYS = (
    "allocCount", "freeCount", "failedAllocCount", "inUseBytes", "peakBytes", "leakedBytes",
    "leakedAllocs",
)


def rfc3339(epoch_ns: int) -> str:
    """UTC with a `Z`, millisecond fraction only when it is non-zero."""
    seconds, rest = divmod(epoch_ns, 1_000_000_000)
    stamp = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    millis = rest // 1_000_000
    return f"{stamp}.{millis:03d}Z" if millis else f"{stamp}Z"


def parse_rfc3339(text: str) -> dt.datetime:
    """Timestamps compare as instants, never as strings (fraction widths differ)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def duration_ms(ns: int) -> int:
    """Ceil of ns → ms, so any run that took time reports at least 1 ms."""
    return -(-ns // 1_000_000) if ns > 0 else 0


def _location_key(f: dict[str, Any]) -> tuple[str, int, int]:
    loc = f.get("location") or {}
    return (str(loc.get("file") or ""), int(loc.get("line") or 0), int(loc.get("col") or 0))


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def collapse_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge identical findings (kind, title, message, file, line, col), note repeats, sort."""
    groups: dict[tuple[Any, ...], tuple[dict[str, Any], int]] = {}
    for f in findings:
        key = (_kind_rank(f["kind"]), f["title"], f["message"], *_location_key(f))
        first, n = groups.get(key, (f, 0))
        groups[key] = (first, n + 1)
    out: list[dict[str, Any]] = []
    for key in sorted(groups):
        first, n = groups[key]
        merged = dict(first)
        if n > 1:
            merged["message"] = f"{first['message']} (repeated {n} times)"
        out.append(merged)
    return out


def memory_summary(report: dict[str, Any] | None) -> dict[str, Any] | None:
    if report is None:
        return None
    summary = report.get("summary") or {}
    return {k: int(summary.get(k, 0)) for k in MEMORY_KEYS}


def build_summary(
    *,
    status: str,
    mode: str,
    run_id: str,
    seed: int,
    started_ns: int,
    wall_ns: int,
    trace_path: str | None = None,
    report_path: str | None = None,
    artifacts_dir: str | None = None,
    virtual_ms: int | None = None,
    tests: dict[str, int] | None = None,
    scenarios: list[dict[str, Any]] | None = None,
    memory: dict[str, Any] | None = None,
    findings: list[dict[str, Any]] | None = None,
    reproduce: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary object; optional members are omitted, never written as null.

    `extra` holds a mode's own block (`fuzz`, `explore`), appended after the common members.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    identity: dict[str, Any] = {"runId": run_id, "seed": seed}
    for key, value in (
        ("tracePath", trace_path), ("reportPath", report_path), ("artifactsDir", artifacts_dir)
    ):
        if value is not None:
            identity[key] = value
    out: dict[str, Any] = {
        "status": status,
        "mode": mode,
        "identity": identity,
        "startedAt": rfc3339(started_ns),
        "finishedAt": rfc3339(started_ns + wall_ns),
        "durationMs": duration_ms(wall_ns),
        "durationNs": wall_ns,
    }
    if virtual_ms is not None:
        out["virtualMs"] = virtual_ms
    if tests is not None:
        out["tests"] = {k: int(tests.get(k, 0)) for k in ("passed", "failed", "skipped")}
    if scenarios is not None:
        out["scenarios"] = scenarios
    if memory is not None:
        out["memory"] = memory
    if findings:
        out["findings"] = findings
    if reproduce is not None:
        out["reproduce"] = reproduce
    if extra:
        out.update(extra)
    return out


def build_manifest(summary: dict[str, Any]) -> dict[str, Any]:
    """`manifest.json`: the summary's identity and headline numbers, flattened (§3.7)."""
    ident = summary["identity"]
    out: dict[str, Any] = {
        "schemaVersion": MANIFEST_SCHEMA,
        "runId": ident["runId"],
        "mode": summary["mode"],
        "status": summary["status"],
        "seed": ident["seed"],
        "startedAt": summary["startedAt"],
        "finishedAt": summary["finishedAt"],
        "durationMs": summary["durationMs"],
        "durationNs": summary["durationNs"],
    }
    if "virtualMs" in summary:
        out["virtualMs"] = summary["virtualMs"]
    for key in ("tracePath", "reportPath", "artifactsDir"):
        if key in ident:
            out[key] = ident[key]
    out["findingsCount"] = len(summary.get("findings", []))
    tests = summary.get("tests")
    if tests is not None:
        out["testsPassed"] = tests["passed"]
        out["testsFailed"] = tests["failed"]
        out["testsSkipped"] = tests["skipped"]
    memory = summary.get("memory")
    if memory is not None:
        out["memoryLeakedBytes"] = memory["leakedBytes"]
        out["memoryLeakedAllocs"] = memory["leakedAllocs"]
        out["memoryPeakBytes"] = memory["peakBytes"]
    return out


def strict_violation(summary: dict[str, Any]) -> str | None:
    """Strict mode's message when a passing run carries checker (warning) findings (§1.3)."""
    if summary["status"] != "pass":
        return None
    warnings = [f["message"] for f in summary.get("findings", []) if f["kind"] == CHECKER]
    if not warnings:
        return None
    return "strict mode: run contains warning findings: " + "; ".join(warnings)
