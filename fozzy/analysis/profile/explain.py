"""`profile explain`: one sentence on where a run's cost went, or what shifted against another.

Single run: the step that used the most CPU (and the host process inside it), and the
critical path in virtual time. With `--diff-with`: the most significant shifted metric and
the stack path that moved most in its domain; "no measurable shift" when nothing is
significant (a run against itself always says so).
"""

from __future__ import annotations

from typing import Any

from fozzy.analysis.profile import diff, domains
from fozzy.analysis.profile.bundle import Bundle

SCHEMA = "fozzy.profile_explain.v1"


def single(b: Bundle) -> dict[str, Any]:
    parts = []
    path = None
    cause = None
    if not domains.empty(b, "cpu"):
        top = domains.cpu_rows(b)[0]
        total = sum(r["cpuMs"] for r in domains.cpu_rows(b)) or 1.0
        host = f" (host {', '.join(top['hostProcesses'])})" if top["hostProcesses"] else ""
        parts.append(f"most CPU: {top['stack']}{host}, {top['cpuMs']:.2f} ms"
                     f" ({top['cpuMs'] / total:.0%} of {total:.2f} ms)")
        path, cause = top["stack"], "cpu"
    lat = domains.latency_report(b)
    critical = [s for s in lat["criticalPath"] if s["span"] != "run"]
    if critical:
        chain = " -> ".join(f"{s['name']} ({s['durationMs']}ms)" for s in critical[:5])
        parts.append(f"critical path in virtual time: {chain}")
        if path is None:
            path, cause = critical[0]["name"], "latency"
    m = domains.metrics(b)
    parts.append(f"allocated {int(m['alloc_bytes'])} bytes, {int(m['io_ops'])} io and"
                 f" {int(m['sched_ops'])} scheduler events")
    return {"schemaVersion": SCHEMA, "run": b.label, "statement": "run: " + "; ".join(parts),
            "topPath": path, "likelyCauseDomain": cause, "evidence": b.evidence}


def against(left: list[Bundle], right: list[Bundle]) -> dict[str, Any]:
    report = diff.diff(left, right, domains.DOMAINS)
    shifted = [r for r in report["rows"] if r["isSignificant"]]
    base = {"schemaVersion": SCHEMA, "run": report["right"], "baseline": report["left"],
            "verdict": report["summary"]["verdict"]}
    if not shifted:
        return {**base, "statement": "no measurable shift", "topPath": None,
                "likelyCauseDomain": None, "evidence": []}
    row = _cause(shifted)
    paths = [p for p in report["shiftedPaths"] if p["domain"] == row["domain"]]
    statement = (f"{row['metric']} {'rose' if row['delta'] > 0 else 'fell'} from {row['left']}"
                 f" to {row['right']} ({row['deltaPct']:+.1f}%, confidence"
                 f" {row['confidence']:.2f})")
    if paths:
        p = paths[0]
        statement += f"; the path that moved most: {p['path']} ({p['delta']:+} {p['unit']})"
    return {**base, "statement": statement, "topPath": paths[0]["path"] if paths else None,
            "likelyCauseDomain": row["domain"], "metric": row,
            "evidence": [b.evidence for b in (*left, *right)]}


#: Share of a latency rise that CPU time must account for to be named its cause.
CPU_SHARE_OF_LATENCY = 0.5


def _cause(shifted: list[dict[str, Any]]) -> dict[str, Any]:
    """The shifted metric that names the cause: the largest relative shift, except that a
    latency rise mostly matched by a rise in measured CPU time is the CPU's doing. A CPU burn
    lengthens its step's latency by about as many milliseconds as it burns, and by more when
    the machine is busy and the process waits for a core; compared by share alone, which of
    the two moved most would depend on the load, not on the change."""
    row = max(shifted, key=lambda r: abs(r["deltaPct"]))
    if row["domain"] != "latency" or row["delta"] <= 0:
        return row
    cpu = [r for r in shifted if r["metric"] in ("cpu_time_ms", "host_cpu_ms", "worker_cpu_ms")
           and r["delta"] >= CPU_SHARE_OF_LATENCY * row["delta"]]
    return max(cpu, key=lambda r: r["delta"]) if cpu else row
