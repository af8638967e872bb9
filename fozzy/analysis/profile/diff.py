"""`profile diff` and `profile explain --diff-with`: did a change move a metric, and where?

Each side is one or more runs (repeated samples of the same variant). A deterministic metric
(virtual-time latency, heap bytes, io/sched counts) is the same in every sample of a side, so
any change is real: confidence 1. Latency of runs on host backends is the exception: their
virtual clock took measured host durations, so it is judged like a measurement.

A measured metric (CPU, wall, RSS) is noisy, so its change is judged against its spread: the
standard error of the difference of the means is `sqrt(sL²/nL + sR²/nR)` and, with a normal
approximation, confidence = erf(|Δ| / (stderr·√2)), the two-sided probability that a shift
this large is not noise. With fewer than two samples on either side there is no spread to
judge by, so a measured change is never significant.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from fozzy.analysis.profile import domains
from fozzy.analysis.profile.bundle import Bundle

SCHEMA = "fozzy.profile_diff.v1"
#: Confidence a measured shift needs to count as significant.
MIN_CONFIDENCE = 0.95
#: Relative change a measured metric needs to count (noise below this is not worth a report).
MIN_MEASURED_PCT = 5.0
#: Relative change a deterministic metric needs (and at least one unit).
MIN_VIRTUAL_PCT = 2.0
#: Shifted stack paths listed per domain.
PATHS_PER_DOMAIN = 10
_SEVERITIES = ((30.0, "critical"), (15.0, "high"), (5.0, "medium"), (0.0, "low"))


def _stats(values: list[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    return mean, statistics.stdev(values) if len(values) > 1 else 0.0


def _pct(left: float, right: float) -> float:
    if left == 0:
        return 0.0 if right == 0 else 100.0
    return (right - left) / left * 100.0


def is_measured(metric: str, bundles: list[Bundle]) -> bool:
    """Measured metrics vary between runs; so does virtual latency of a run whose clock took
    host durations (a host process's run time is folded into virtual time)."""
    if metric in domains.MEASURED_METRICS:
        return True
    return domains.METRIC_DOMAIN[metric] == "latency" and any(b.host_clock for b in bundles)


def compare(metric: str, left: list[float], right: list[float], measured: bool
            ) -> dict[str, Any]:
    lm, ls = _stats(left)
    rm, rs = _stats(right)
    delta = rm - lm
    pct = _pct(lm, rm)
    stderr = math.sqrt(ls * ls / len(left) + rs * rs / len(right))
    if delta == 0:
        confidence, significant, method = 1.0, False, "identical"
    elif not measured:
        confidence, method = 1.0, "deterministic"
        significant = abs(delta) >= 1 and abs(pct) >= MIN_VIRTUAL_PCT
    elif len(left) < 2 or len(right) < 2:
        confidence, significant, method = 0.0, False, "needs_two_samples_per_side"
    else:
        method = "stderr"
        confidence = 1.0 if stderr == 0 else math.erf(abs(delta) / (stderr * math.sqrt(2)))
        significant = confidence >= MIN_CONFIDENCE and abs(pct) >= MIN_MEASURED_PCT
    classification = "stable"
    if significant:
        classification = "regression" if delta > 0 else "improvement"
    severity = "none"
    if significant:
        severity = next(name for bound, name in _SEVERITIES if abs(pct) >= bound)
    return {
        "domain": domains.METRIC_DOMAIN[metric], "metric": metric,
        "left": round(lm, 3), "right": round(rm, 3), "delta": round(delta, 3),
        "deltaPct": round(pct, 2), "classification": classification,
        "isSignificant": significant, "severity": severity,
        "confidence": round(confidence, 4),
        "measured": measured,
        "confidenceMeta": {"method": method, "leftSamples": len(left),
                           "rightSamples": len(right), "leftStdDev": round(ls, 3),
                           "rightStdDev": round(rs, 3), "pooledStdErr": round(stderr, 3)},
    }


_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "none": 0}


def diff(left: list[Bundle], right: list[Bundle], wanted: tuple[str, ...]) -> dict[str, Any]:
    lm = [domains.metrics(b) for b in left]
    rm = [domains.metrics(b) for b in right]
    rows = []
    for metric, domain in domains.METRIC_DOMAIN.items():
        if domain not in wanted:
            continue
        lv = [m[metric] for m in lm if metric in m]
        rv = [m[metric] for m in rm if metric in m]
        if len(lv) == len(left) and len(rv) == len(right):
            rows.append(compare(metric, lv, rv, is_measured(metric, [*left, *right])))
    blind = [b.label for b in [*left, *right] if not b.has_events]
    rows.sort(key=lambda r: (-_RANK[r["severity"]], r["classification"] == "stable",
                             -r["confidence"], -abs(r["deltaPct"]), r["metric"]))
    regressions = [r for r in rows if r["classification"] == "regression"]
    improvements = [r for r in rows if r["classification"] == "improvement"]
    verdict = ("regression_detected" if regressions else "improvement" if improvements
               else "stable")
    return {
        "schemaVersion": SCHEMA,
        "left": [b.label for b in left], "right": [b.label for b in right],
        "domains": list(wanted),
        "summary": {"verdict": verdict, "regressions": len(regressions),
                    "improvements": len(improvements),
                    "topRegressionMetric": regressions[0]["metric"] if regressions else None},
        "rows": rows,
        "notCompared": [{"domain": d, "runs": blind, "reason": domains.NO_EVENT_STREAM}
                        for d in wanted if d != "cpu" and blind],
        "shiftedPaths": shifted_paths(left, right, wanted),
    }


def _mean_stacks(group: list[Bundle], domain: str) -> dict[str, float]:
    stacks_of = {"cpu": domains.cpu_stacks, "heap": domains.heap_stacks,
                 "latency": domains.latency_stacks}.get(domain)
    if stacks_of is None:
        return {}
    total: dict[str, float] = {}
    for b in group:
        for frames, weight in stacks_of(b):
            key = ";".join(frames[1:])  # the scenario frame differs between variants
            total[key] = total.get(key, 0.0) + weight
    return {k: v / len(group) for k, v in total.items()}


_UNIT = {"cpu": ("ms", 1e-6), "heap": ("bytes", 1.0), "latency": ("ms", 1.0)}


def shifted_paths(left: list[Bundle], right: list[Bundle], wanted: tuple[str, ...]
                  ) -> list[dict[str, Any]]:
    """Stack paths whose mean weight changed most between the sides, per flame domain."""
    out: list[dict[str, Any]] = []
    events_everywhere = all(b.has_events for b in [*left, *right])
    for domain in ("cpu", "heap", "latency"):
        if domain not in wanted or (domain != "cpu" and not events_everywhere):
            continue
        lw, rw = _mean_stacks(left, domain), _mean_stacks(right, domain)
        unit, scale = _UNIT[domain]
        rows: list[dict[str, Any]] = []
        for path in set(lw) | set(rw):
            d = rw.get(path, 0.0) - lw.get(path, 0.0)
            if d != 0:
                rows.append({"domain": domain, "path": path, "unit": unit,
                             "left": round(lw.get(path, 0.0) * scale, 3),
                             "right": round(rw.get(path, 0.0) * scale, 3),
                             "delta": round(d * scale, 3)})
        rows.sort(key=lambda p: (-abs(p["delta"]), p["path"]))
        out += rows[:PATHS_PER_DOMAIN]
    return out
