"""One run as profiles see it: its identity, event stream and measurements, shape-checked.

Sources, best first: the trace (its `measurements` member and events, checksum verified by the
reader), then the run directory's `measurements.json` and `events.json` (verified against the
manifest by the selector). A file that is there but malformed is an error naming it: a profile
built on half-parsed data would mislead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fozzy.artifacts.listing import ArtifactError
from fozzy.artifacts.rundir import MEASUREMENTS
from fozzy.artifacts.selectors import Selection, read_json

_STEP_INTS = ("index", "wallNs", "cpuNs")
_HOST_INTS = ("wallNs", "userNs", "sysNs", "peakRssBytes")


@dataclass
class Bundle:
    label: str
    run_id: str
    seed: int
    scenario: str
    status: str
    events: list[dict[str, Any]]
    measurements: dict[str, Any] | None
    memory: dict[str, Any] | None
    wall_ms: float
    virtual_ms: int
    started_unix_ns: int = 0
    host_clock: bool = False  # virtual time includes measured host durations (host backends)
    #: False when the run kept no event stream (a passing replay without `--profile-capture
    #: full`): its event-derived metrics are unknown, not zero.
    has_events: bool = True
    evidence: list[str] = field(default_factory=list)

    @property
    def steps(self) -> list[dict[str, Any]]:
        return [] if self.measurements is None else list(self.measurements["steps"])

    @property
    def samples(self) -> dict[str, Any] | None:
        """Sampled stacks (`--profile-cpu`), when the run recorded them."""
        if self.measurements is None:
            return None
        value = self.measurements.get("samples")
        return value if isinstance(value, dict) else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_measurements(value: Any, where: str) -> dict[str, Any]:
    """`value` if it has the shape `workers.engine.measure` writes, else an ArtifactError. A
    suite's document (`fozzy.modes.suite_measurements`) comes back flattened: one run whose
    steps each name their `scenario`, so every domain's stacks start at that scenario."""
    def bad(detail: str) -> ArtifactError:
        return ArtifactError(f"malformed measurements in {where}: {detail}")

    if isinstance(value, dict) and "scenarios" in value:
        return _flatten_suite(value, where, bad)
    if not isinstance(value, dict) or not isinstance(value.get("steps"), list):
        raise bad("expected an object with a `steps` array")
    for i, step in enumerate(value["steps"]):
        if not isinstance(step, dict) or not isinstance(step.get("type"), str):
            raise bad(f"steps[{i}] is not a step record")
        for key in _STEP_INTS:
            if not _is_int(step.get(key)):
                raise bad(f"steps[{i}].{key} is not a non-negative integer")
        host = step.get("host", [])
        if not isinstance(host, list):
            raise bad(f"steps[{i}].host is not an array")
        for j, proc in enumerate(host):
            if not isinstance(proc, dict) or not isinstance(proc.get("cmd"), str):
                raise bad(f"steps[{i}].host[{j}] is not a process record")
            for key in _HOST_INTS:
                if not _is_int(proc.get(key)):
                    raise bad(f"steps[{i}].host[{j}].{key} is not a non-negative integer")
    samples = value.get("samples")
    if samples is not None:
        from fozzy.analysis.profile.sampled import check_samples

        check_samples(samples, bad)
    return value


def _flatten_suite(value: dict[str, Any], where: str,
                   bad: Callable[[str], ArtifactError]) -> dict[str, Any]:
    scenarios = value["scenarios"]
    if not isinstance(scenarios, list):
        raise bad("`scenarios` is not an array")
    steps: list[dict[str, Any]] = []
    for i, row in enumerate(scenarios):
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            raise bad(f"scenarios[{i}] is not a scenario record")
        one = check_measurements(row.get("measurements"), f"{where} (scenarios[{i}])")
        steps += [{**step, "scenario": row["name"]} for step in one["steps"]]
    return {"schema": value.get("schema"), "steps": steps}


def _events(sel: Selection) -> list[dict[str, Any]] | None:
    events = sel.events()
    if events is None:
        return None
    for i, ev in enumerate(events):
        if not (isinstance(ev, dict) and isinstance(ev.get("name"), str)
                and _is_int(ev.get("time_ms")) and isinstance(ev.get("fields"), dict)):
            raise ArtifactError(f"malformed event {i} in {sel.label}")
    return events


def read_measurements(sel: Selection) -> tuple[dict[str, Any] | None, str | None]:
    """The run's checked measurements and the file they came from, or (None, None)."""
    doc = sel.trace()
    if doc is not None and doc.get("measurements") is not None:
        where = str(sel.trace_path)
        return check_measurements(doc["measurements"], where), where
    stored = sel.file(MEASUREMENTS)
    if stored is None:
        return None, None
    return check_measurements(read_json(stored.path), str(stored.path)), str(stored.path)


def _started_ns(value: Any) -> int:
    """The run's start (`startedAt`, ISO 8601 UTC) in Unix ns; 0 when absent or unreadable."""
    from datetime import datetime

    if not isinstance(value, str):
        return 0
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return 0
    return int(moment.timestamp() * 1_000_000) * 1000


def _host_clock(doc: dict[str, Any] | None, sel: Selection) -> bool:
    """Whether a host backend served the run: then its virtual clock advanced by measured
    host durations, and its latency numbers vary between live runs like any measurement."""
    from fozzy.trace.model import host_families, recorded_host_families

    if doc is not None:
        return bool(recorded_host_families(doc))
    events = sel.events()
    return bool(host_families(events)) if events is not None else False


def load(sel: Selection) -> Bundle:
    summary = sel.summary
    ident = summary.get("identity") or {}
    doc = sel.trace()
    name = ""
    if doc is not None and isinstance(doc.get("scenario"), dict):
        name = str(doc["scenario"].get("name", ""))
    elif doc is not None and isinstance(doc.get("fuzz"), dict):
        name = str(doc["fuzz"].get("target", ""))
    elif isinstance(summary.get("fuzz"), dict):
        name = str(summary["fuzz"].get("target", ""))
    measurements, where = read_measurements(sel)
    events = _events(sel)
    memory = summary.get("memory")
    if doc is not None and isinstance(doc.get("memory"), dict):
        memory = doc["memory"].get("summary") or memory
    evidence = [p for p in (where, None if sel.trace_path is None else str(sel.trace_path))
                if p is not None]
    return Bundle(
        label=sel.label,
        run_id=str(ident.get("runId", "")),
        seed=int(ident.get("seed", 0)),
        scenario=name or str(summary.get("mode", "run")),
        status=str(summary.get("status", "")),
        events=events or [],
        measurements=measurements,
        memory=memory if isinstance(memory, dict) else None,
        wall_ms=float(summary.get("durationMs", 0) or 0),
        virtual_ms=int(summary.get("virtualMs", 0) or 0),
        started_unix_ns=_started_ns(summary.get("startedAt")),
        host_clock=_host_clock(doc, sel),
        evidence=list(dict.fromkeys(evidence)),
        has_events=events is not None,
    )
