"""The per-scenario traces of `fozzy test --record` (and the pytest plugin's): every target is
reserved, collision policy applied, before anything runs; each scenario's trace is written as
its result arrives; targets a scenario never reached are released again.

Each recorded trace is standalone, as if `fozzy run --record` had written it: its own run id,
the scenario's own seed and path.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from fozzy.artifacts.summary import build_summary, memory_summary
from fozzy.errors import FozzyError

if TYPE_CHECKING:
    from fozzy.modes.test import Entry, TestRequest


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:48] or "scenario"


def reserve_records(req: TestRequest, entries: list[Entry]) -> None:
    """Resolve every trace target (collision policy included) before anything runs."""
    if req.record is None:
        return
    from fozzy.trace.writer import release_target, resolve_target

    runnable = [e for e in entries if e.runnable]
    base = Path(req.record)
    stem = base.name[: -len(".fozzy")] if base.name.endswith(".fozzy") else base.name
    reserved: list[Path] = []
    try:
        for ordinal, entry in enumerate(runnable, start=1):
            if len(runnable) == 1:
                wanted = base
            else:
                wanted = base.with_name(f"{stem}.{ordinal}-{slug(entry.name)}.fozzy")
            entry.record_to = resolve_target(wanted, req.record_collision)
            reserved.append(entry.record_to)
    except FozzyError:
        for path in reserved:
            release_target(path)
        raise


def write_scenario_trace(
    entry: Entry, result: dict[str, Any], started_ns: int, backends: dict[str, str]
) -> None:
    """Each recorded trace is standalone: its own run id, the scenario's seed, its path."""
    from fozzy.trace.model import build_trace
    from fozzy.trace.writer import write_trace

    assert entry.record_to is not None and entry.doc is not None
    summary = build_summary(
        status=result["status"] if result["status"] != "error" else "fail",
        mode="test",
        run_id=str(uuid.uuid4()),
        seed=entry.seed,
        started_ns=started_ns,
        wall_ns=int(result.get("wallNs", 0)),
        trace_path=str(entry.record_to),
        virtual_ms=int(result.get("virtualMs", 0)),
        memory=memory_summary(result.get("memory")),
        findings=result["findings"],
    )
    doc = build_trace(
        mode="test",
        scenario_path=entry.selected.path,
        scenario=orjson.loads(entry.doc),
        decisions=result["decisions"],
        events=result["events"],
        summary=summary,
        memory=result["memory"],
        backends=backends,
        measurements=result.get("measurements"),
    )
    write_trace(entry.record_to, doc)


def release_unwritten(entries: list[Entry]) -> None:
    unwritten = [e.record_to for e in entries if e.record_to is not None and e.row is None]
    if unwritten:
        from fozzy.trace.writer import release_target

        for path in unwritten:
            release_target(path)
