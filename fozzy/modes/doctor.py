"""`fozzy doctor`: is this environment fit to run fozzy, and is this scenario deterministic?

The environment checks are facts about the machine (Python, config, artifact directory,
whether a worker process starts and runs a scenario). Things that only *might* make runs
differ — a `TZ` setting, host backends in the config — are reported as informational signals:
they are not problems by themselves (the reference failed strict doctor on a set `TZ`).

`--deep` runs the scenario `runs` times on the worker pool with one fixed seed in det mode and
compares a digest of each run's decisions, events, findings, memory report and status. A
mismatch names the first place the runs part ways (which stream, its index, both sides), which
is what someone hunting a nondeterminism needs first. The backend flags are honoured, so a host
process whose output varies (the clock, a PID) shows up as exactly that difference.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import blake3
import orjson

from fozzy.errors import ArgumentError, FozzyError, ScenarioError
from fozzy.executor.seam import make_executor

DEFAULT_RUNS = 3
DEFAULT_SEED = 0xC0DEC0DE
AUDIT_DEADLINE_MS = 120_000
STREAMS = ("status", "findings", "decisions", "events", "memory")


@dataclass
class DoctorRequest:
    deep: bool = False
    scenario: str | None = None
    runs: int = DEFAULT_RUNS
    seed: int = DEFAULT_SEED
    backends: dict[str, str] = field(default_factory=dict)
    config_backends: dict[str, str] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    base_dir: str = ".fozzy"
    config_path: str = "fozzy.toml"
    dask: str | None = None  # run the audit's repetitions on this Dask cluster (`--dask`)


def check_request(req: DoctorRequest) -> None:
    if req.deep and req.scenario is None:
        raise ArgumentError("--deep needs --scenario PATH: the audit runs that scenario")
    if req.scenario is not None and not req.deep:
        raise ArgumentError("--scenario is only used by the --deep determinism audit")
    if req.runs < 2:
        raise ArgumentError(f"--runs must be at least 2 to compare runs, got {req.runs}")


def run_signature(result: dict[str, Any]) -> str:
    """BLAKE3 of the compact JSON of what a deterministic run must reproduce exactly."""
    doc = {s: result.get(s) for s in STREAMS}
    return blake3.blake3(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any] | None:
    """The first stream (in STREAMS order) where two runs differ, with index and both sides.

    Events are compared before decisions (a differing host output shows in both, and the
    event is the readable one); a length difference points at the first missing entry.
    """
    for stream in ("status", "findings", "events", "decisions", "memory"):
        left, right = a.get(stream), b.get(stream)
        if left == right:
            continue
        if isinstance(left, list) and isinstance(right, list):
            index = next((i for i, (x, y) in enumerate(zip(left, right, strict=False))
                          if x != y), min(len(left), len(right)))
            return {
                "stream": stream,
                "index": index,
                "expected": left[index] if index < len(left) else None,
                "got": right[index] if index < len(right) else None,
            }
        return {"stream": stream, "index": None, "expected": left, "got": right}
    return None


def _check(name: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "ok": ok, "detail": detail}


def environment(req: DoctorRequest) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                             list[dict[str, Any]]]:
    """(checks, issues, informational signals) about the machine and the configuration."""
    from fozzy import __version__
    from fozzy.executor.cpus import usable_cpus

    checks: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    signals: list[dict[str, Any]] = []
    py = sys.version_info
    checks.append(_check("python", py >= (3, 11), f"{py.major}.{py.minor}.{py.micro}"
                         f" ({sys.executable})"))
    checks.append(_check("fozzy", True, __version__))
    config = Path(req.config_path)
    checks.append(_check("config", True, f"{config.resolve()}" if config.is_file()
                         else f"{config} not found: built-in defaults"))
    base_ok, base_detail = _writable(Path(req.base_dir))
    checks.append(_check("baseDir", base_ok, base_detail))
    if not base_ok:
        issues.append({"code": "base_dir_not_writable", "message": base_detail,
                       "hint": "set base_dir in fozzy.toml or fix the directory's permissions"})
    checks.append(_check("cpus", True, f"{usable_cpus()} usable (default --jobs)"))
    worker_ok, worker_detail = _worker_smoke(req)
    checks.append(_check("workerPool", worker_ok, worker_detail))
    if not worker_ok:
        issues.append({"code": "worker_pool_unavailable", "message": worker_detail})
    if os.environ.get("TZ") is not None:
        signals.append({"source": "env", "detail": f"TZ={os.environ['TZ']} is set; det runs"
                        " use virtual time, host processes may still read it"})
    for family, backend in sorted(req.config_backends.items()):
        if backend == "host":
            signals.append({"source": "config", "detail": f"{family}_backend = host: runs"
                            f" with the config's backends touch the real {family}"})
    return checks, issues, signals


def _writable(base: Path) -> tuple[bool, str]:
    probe = base
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return False, f"{base.resolve()}: {probe} is not a directory"
    try:
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".fozzy-doctor-"):
            pass
    except OSError as e:
        return False, f"{base.resolve()} is not writable: {e.strerror or e}"
    state = "exists" if base.is_dir() else f"will be created under {probe.resolve()}"
    return True, f"{base.resolve()} ({state})"


def _worker_smoke(req: DoctorRequest) -> tuple[bool, str]:
    """Start one worker and run a one-step scenario through the real job path."""
    spec = {
        "scenario": {"version": 1, "name": "doctor",
                     "steps": [{"type": "trace_event", "name": "doctor", "fields": {}}]},
        "scenario_path": None, "seed": req.seed, "det": True, "timeout_ms": None,
        "backends": {"proc": "scripted", "fs": "virtual", "http": "scripted"},
        "memory": {}, "limits": req.limits, "cwd": os.getcwd(), "replay": None,
    }
    try:
        with make_executor(1) as pool:
            result = dict(pool.run([spec], deadline_ms=lambda _: 30_000))[0]
    except FozzyError as e:
        return False, f"worker pool failed: {e.message}"
    if result["status"] != "pass":
        message = result["findings"][0]["message"] if result["findings"] else result["status"]
        return False, f"a worker could not run a one-step scenario: {message}"
    return True, f"a worker process ran a one-step scenario ({result['wallNs'] // 1000} µs)"


def audit(req: DoctorRequest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The determinism audit and the issues it raised."""
    from fozzy.modes.run import load_runnable

    assert req.scenario is not None
    scn = load_runnable(req.scenario)
    spec = {
        "scenario": scn.doc, "scenario_path": req.scenario, "seed": req.seed, "det": True,
        "timeout_ms": None, "backends": req.backends, "memory": req.memory,
        "limits": req.limits, "cwd": os.getcwd(), "replay": None,
    }
    items = [dict(spec) for _ in range(req.runs)]
    with make_executor(min(req.runs, 2), dask=req.dask) as pool:
        results = dict(pool.run(items, deadline_ms=lambda _: AUDIT_DEADLINE_MS))
    ordered = [results[i] for i in range(req.runs)]
    issues: list[dict[str, Any]] = []
    errored = next((r for r in ordered if r["status"] == "error"), None)
    if errored is not None:
        raise ScenarioError(f"{req.scenario}: {errored.get('error') or 'worker error'}")
    unmatched = next((f for f in ordered[0]["findings"] if f["title"] == "proc_unmatched"), None)
    if unmatched is not None:
        issue: dict[str, Any] = {
            "code": "proc_unmatched_preflight", "message": unmatched["message"],
            "hint": "add a matching proc_when step (details.suggestedProcWhen), or audit with"
                    " --proc-backend host",
        }
        details = (unmatched.get("location") or {}).get("details")
        if details:
            issue["details"] = details
        issues.append(issue)
    signatures = [run_signature(r) for r in ordered]
    report: dict[str, Any] = {
        "scenario": req.scenario, "runs": req.runs, "seed": req.seed,
        "backends": req.backends, "status": ordered[0]["status"],
        "consistent": len(set(signatures)) == 1, "signatures": signatures,
    }
    mismatch = next((i for i, s in enumerate(signatures) if s != signatures[0]), None)
    if mismatch is not None:
        diff = first_difference(ordered[0], ordered[mismatch])
        assert diff is not None
        report["firstMismatchRun"] = mismatch + 1
        report["firstDifference"] = diff
        where = diff["stream"] if diff["index"] is None else f"{diff['stream']}[{diff['index']}]"
        issues.append({
            "code": "determinism_audit_mismatch",
            "message": f"run {mismatch + 1} differs from run 1 at {where}: run 1 has"
                       f" {_short(diff['expected'])}, run {mismatch + 1} has"
                       f" {_short(diff['got'])}",
            "hint": "same seed, same scenario, different result: look for host backends,"
                    " wall-clock reads or unseeded randomness at that point",
        })
    return report, issues


def _short(value: Any, limit: int = 200) -> str:
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def execute_doctor(req: DoctorRequest) -> dict[str, Any]:
    check_request(req)
    checks, issues, signals = environment(req)
    report: dict[str, Any] = {"ok": True, "checks": checks, "issues": issues,
                              "nondeterminismSignals": signals}
    if req.deep:
        audit_report, audit_issues = audit(req)
        issues.extend(audit_issues)
        report["determinismAudit"] = audit_report
    report["ok"] = not issues
    return report
