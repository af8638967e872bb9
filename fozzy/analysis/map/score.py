"""Risk score (0..100), reasons, components and hotspots: the reference's table (spec §6.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fozzy.analysis.map.scan import SourceFile
from fozzy.analysis.map.signals import Signals

#: The fozzy suites a hotspot can need, in report order.
SUITES = (
    "test_det", "run_record_replay_ci", "fuzz_inputs", "explore_schedule_faults",
    "host_backends_run", "memory_graph_diff_top", "shrink_exercised", "shrink_failure_trace",
)
BASELINE_SUITES = ("test_det", "run_record_replay_ci")
#: Path components that name a group of services: `services/billing/x.rs` is `services/billing`.
COMPONENT_MARKERS = ("services", "apps", "packages", "crates", "modules")
#: A file above this many lines earns 7 points and a reason; above the smaller one 4 points.
LARGE_FILE_LINES = 500
MEDIUM_FILE_LINES = 250


@dataclass(frozen=True)
class Hotspot:
    id: str
    component: str
    path: str
    risk: int
    reasons: tuple[str, ...]
    signals: Signals

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "component": self.component,
            "path": self.path,
            "riskScore": self.risk,
            "reasons": list(self.reasons),
            "signals": self.signals.to_json(),
            "analysis": self.signals.analysis,
            "recommendedSuites": ordered(signal_suites(self.signals) | set(BASELINE_SUITES)),
        }


def ordered(suites: set[str]) -> list[str]:
    return [s for s in SUITES if s in suites]


def risk(s: Signals) -> tuple[int, tuple[str, ...]]:
    """Points per signal, capped, with the reasons that explain them."""
    reasons: list[str] = []
    score = min(s.branch, 30)
    if s.branch > 8:
        reasons.append(f"high branch density ({s.branch})")
    score += min(6 * s.concurrency, 30)
    if s.concurrency > 0:
        reasons.append(f"concurrency signals ({s.concurrency})")
    score += min(5 * s.external, 25)
    if s.external > 0:
        reasons.append(f"external side-effect signals ({s.external})")
    score += min(3 * s.failure, 15)
    if s.failure > 3:
        reasons.append(f"failure/timeout/retry signals ({s.failure})")
    if s.memory > 2:
        score += 8
        reasons.append(f"memory management signals ({s.memory})")
    if s.entrypoint > 0:
        score += 5
        reasons.append("service/entrypoint boundary indicators")
    if s.lines > LARGE_FILE_LINES:
        score += 7
        reasons.append(f"large file size ({s.lines} lines)")
    elif s.lines > MEDIUM_FILE_LINES:
        score += 4
    return min(score, 100), tuple(reasons)


def component(path: str) -> str:
    """`services/<name>` style groups first (marker order wins), else the first component."""
    parts = path.split("/")
    lowered = [p.lower() for p in parts]
    for marker in COMPONENT_MARKERS:
        if marker in lowered[:-2]:
            return f"{marker}/{lowered[lowered.index(marker) + 1]}"
    return lowered[0]


def signal_suites(s: Signals) -> set[str]:
    """Suites the signals themselves point at, whatever the profile (spec §6.4)."""
    out: set[str] = set()
    if s.concurrency > 0:
        out.add("explore_schedule_faults")
    if s.external > 0:
        out.add("host_backends_run")
    if s.failure > 0:
        out.add("shrink_failure_trace")
    if s.failure > 0 or s.branch > 20:
        out.add("shrink_exercised")
    if s.memory > 0:
        out.add("memory_graph_diff_top")
    if s.branch > 8:
        out.add("fuzz_inputs")
    return out


def hotspots(files: list[SourceFile]) -> list[Hotspot]:
    """Every file with a non-zero score, riskiest first (then by path)."""
    out: list[Hotspot] = []
    for f in files:
        score, reasons = risk(f.signals)
        if score == 0:
            continue
        comp = component(f.path)
        out.append(Hotspot(f"{comp}:{f.path}", comp, f.path, score, reasons, f.signals))
    out.sort(key=lambda h: (-h.risk, h.path))
    return out
