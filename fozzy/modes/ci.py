"""`fozzy ci`: one gate over a trace (or a trace-backed run), every check a verdict with a reason.

Checks never abort one another: a corrupted trace fails `trace_verify` and the checks that
would need its contents say they could not run, an exceeded flake budget fails `flake_budget`
(the reference aborted instead), and the command exits 1 when any check failed. Only input
that cannot be gated at all (a selector naming nothing, bad flags) is an error, exit 2.

The replay is a verification replay: it runs through `fozzy.modes.replay`'s job item and
trace checks on the worker pool, but writes no run directory, so it never becomes `latest`
(DECISIONS, run directories).

Performance is compared on the p99 of per-step latency, taken from the `span_end` events'
`duration_ms` of each trace (virtual milliseconds for det runs, wall milliseconds otherwise).
Step spans rather than summary durations: a summary's wall time includes worker start-up and
machine noise, while det step latencies are exactly reproducible, so the gate does not flake.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fozzy.errors import ArgumentError, FozzyError, TraceError
from fozzy.executor.seam import Executor, make_executor
from fozzy.schema_ids import CI_REPORT

SCHEMA = CI_REPORT
CHECKER = "checker"
REPLAY_DEADLINE_MS = 120_000


@dataclass
class CiRequest:
    selector: str
    flake_runs: list[str] = field(default_factory=list)
    flake_budget: float | None = None
    perf_baseline: str | None = None
    max_p99_delta_pct: float | None = None
    strict: bool = True
    base_dir: str = ".fozzy"
    limits: dict[str, int] = field(default_factory=dict)
    trust_target: bool = False  # run an fn: target even when it is not a project file


def check_request(req: CiRequest) -> None:
    if req.flake_budget is not None and len(req.flake_runs) < 2:
        raise ArgumentError("--flake-budget requires at least two --flake-run inputs")
    if req.flake_runs and req.flake_budget is None:
        raise ArgumentError("--flake-run needs --flake-budget PCT (the tolerated flake rate)")
    if (req.perf_baseline is None) != (req.max_p99_delta_pct is None):
        raise ArgumentError("--perf-baseline and --max-p99-delta-pct must be given together")
    if req.flake_budget is not None and not 0 <= req.flake_budget <= 100:
        raise ArgumentError("--flake-budget must be a percentage between 0 and 100")


def _check(name: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "ok": ok, "detail": detail}


@dataclass
class Input:
    """The trace to gate and what resolving the selector established about its run dir."""

    trace_path: Path | None
    integrity: dict[str, Any]


def _is_run_selector(raw: str, base_dir: str) -> bool:
    """Whether `raw` names a concrete run directory (a path or a run id), as opposed to
    naming nothing at all."""
    from fozzy.artifacts.rundir import RUNS, normalize

    return normalize(raw).is_dir() or (
        os.sep not in raw and (normalize(base_dir) / RUNS / raw).is_dir()
    )


def resolve_input(selector: str, base_dir: str) -> Input:
    from fozzy.artifacts.listing import ArtifactError
    from fozzy.artifacts.rundir import normalize
    from fozzy.artifacts.selectors import resolve

    raw = selector.strip()
    path = normalize(raw)
    if raw.lower().endswith(".fozzy") and path.exists() and not path.is_dir():
        try:
            sel = resolve(raw, base_dir)
        except (ArtifactError, TraceError) as e:
            return Input(path, _check("artifacts_integrity", False, e.render()))
        if sel.run_dir is None:
            return Input(path, _check("artifacts_integrity", True,
                                      "direct trace (no run directory written with it)"))
        return Input(path, _check("artifacts_integrity", True,
                                  f"direct trace; its run directory {sel.run_dir} verified"
                                  f" ({len(sel.files)} files)"))
    try:
        sel = resolve(raw, base_dir)
    except (ArtifactError, TraceError) as e:
        if _is_run_selector(raw, base_dir):
            return Input(None, _check("artifacts_integrity", False, e.render()))
        raise
    if sel.trace_path is None:
        raise FozzyError(f'ci input "{selector}" did not resolve to a direct trace or'
                         " validated trace-backed bundle")
    return Input(sel.trace_path, _check(
        "artifacts_integrity", True,
        f"run directory {sel.run_dir}: every manifest-listed file verified"
        f" ({len(sel.files)} files)"))


def verify_check(path: Path, strict: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The `trace_verify` check and, when the trace can be trusted, its document."""
    from fozzy.trace.reader import inspect
    from fozzy.trace.verify import warnings_for

    try:
        info = inspect(path)
    except TraceError as e:
        return _check("trace_verify", False, e.render()), None
    warnings = warnings_for(info)
    detail = (f"checksum_present={str(info.checksum_present).lower()}"
              f" checksum_valid={str(info.checksum_valid).lower()}"
              f" warnings={'; '.join(warnings) if warnings else '<none>'}")
    tampered = info.checksum_present and not info.checksum_valid
    ok = not tampered and (not strict or (info.checksum_present and not warnings))
    return _check("trace_verify", ok, detail), None if tampered else info.document()


def _signature(status: str, findings: list[dict[str, Any]]) -> str:
    from fozzy.shrink.failure import describe, signature

    return describe(signature(status, findings))


def replay_trace(doc: dict[str, Any], path: Path, limits: dict[str, int],
                 trust_target: bool = False) -> dict[str, Any]:
    """Re-execute the trace without writing anything: `{status, findings, memory}`; raises
    TraceError on structural drift."""
    from fozzy.trace.model import trace_kind

    kind = trace_kind(doc)
    with make_executor(1) as pool:
        if kind == "steps":
            return _replay_steps(pool, doc, path, limits)
        if kind == "explore":
            return _replay_explore(pool, doc)
        return _replay_fuzz(pool, doc, trust_target)


def _replay_steps(pool: Executor, doc: dict[str, Any], path: Path,
                  limits: dict[str, int]) -> dict[str, Any]:
    from fozzy.modes.replay import ReplayRequest, final_status, replay_spec, trace_checks

    spec = replay_spec(doc, path, ReplayRequest(trace_path=str(path), limits=limits))
    result = dict(pool.run([spec], deadline_ms=lambda _: REPLAY_DEADLINE_MS))[0]
    if result["status"] == "error":
        raise TraceError(f"{result.get('error', 'replay failed')} (trace {path})")
    findings = list(result["findings"]) + trace_checks(doc, result, spec["scenario_path"])
    return {"status": final_status(result["status"], findings), "findings": findings,
            "memory": (result.get("memory") or {}).get("summary")}


def _replay_explore(pool: Executor, doc: dict[str, Any]) -> dict[str, Any]:
    from workers.cluster.explore import choices_from_decisions
    from workers.cluster.model import ClusterError

    effective = (doc.get("explore") or {}).get("scenario")
    if not isinstance(effective, dict):
        raise TraceError("explore trace embeds no effective cluster (explore.scenario)")
    try:
        choices = choices_from_decisions(doc["decisions"])
    except ClusterError as e:
        raise TraceError(str(e)) from None
    item = {"cluster": {k: effective[k] for k in ("nodes", "steps", "invariants")},
            "choices": choices}
    res = dict(pool.run([item], op="explore_replay",
                        deadline_ms=lambda _: REPLAY_DEADLINE_MS))[0]
    if "choices" not in res:
        raise TraceError(f"explore replay failed: {res['findings'][0]['message']}")
    return {"status": res["status"], "findings": [res["finding"]] if res["finding"] else [],
            "memory": None}


def _replay_fuzz(pool: Executor, doc: dict[str, Any], trust_target: bool) -> dict[str, Any]:
    from fozzy.trace.trust import require_trusted

    name = str(doc["fuzz"]["target"])
    if not name.startswith("fn:"):
        raise TraceError(f"fuzz trace target {name!r} embeds no scenario to replay")
    require_trusted(name, trust_target)
    item = {"target": {"kind": "fn", "spec": name[3:], "cwd": os.getcwd()},
            "inputs": [doc["fuzz"]["input_hex"]]}
    res = dict(pool.run([item], op="fuzz_eval", deadline_ms=lambda _: REPLAY_DEADLINE_MS))[0]
    if "outcomes" not in res:
        raise TraceError(f"fuzz target {name} could not be evaluated:"
                         f" {res['findings'][0]['message']}")
    out = res["outcomes"][0]
    return {"status": out["status"], "findings": [out["finding"]] if out["finding"] else [],
            "memory": None}


def _checker_messages(findings: list[dict[str, Any]]) -> list[str]:
    return sorted(f["message"] for f in findings
                  if f["kind"] == CHECKER and not f["title"].startswith("replay_"))


def replay_checks(doc: dict[str, Any], path: Path, req: CiRequest) -> list[dict[str, Any]]:
    from fozzy.analysis.profile.budgets import TITLES as BUDGET_TITLES

    summary = doc["summary"]
    # Heap budget findings judged the recording against its fozzy.toml; the replay applies
    # none, and their absence is not drift (fozzy.analysis.profile.budgets).
    findings = [f for f in summary.get("findings") or [] if f["title"] not in BUDGET_TITLES]
    expected = _signature(summary["status"], findings)
    try:
        replayed = replay_trace(doc, path, req.limits, req.trust_target)
    except TraceError as e:
        reason = f"replay failed: {e.message}"
        return [_check("replay_outcome", False, f"expected={expected} {reason}"),
                _check("replay_warning_parity", False, reason),
                _check("replay_memory_parity", False, reason)]
    got = _signature(replayed["status"], replayed["findings"])
    checks = [_check("replay_outcome", got == expected, f"expected={expected} got={got}")]
    if summary["status"] == "pass":
        want, have = _checker_messages(findings), _checker_messages(replayed["findings"])
        checks.append(_check("replay_warning_parity", want == have,
                             f"expected={want} got={have}"))
    else:
        checks.append(_check("replay_warning_parity", True,
                             "trace did not pass: no pass-time warnings to compare"))
    recorded = summary.get("memory") or (doc.get("memory") or {}).get("summary")
    memory_ok = _same_memory(recorded, replayed["memory"])
    checks.append(_check("replay_memory_parity", memory_ok,
                         f"expected={recorded} got={replayed['memory']}"))
    return checks


def _same_memory(a: Any, b: Any) -> bool:
    """Shared keys equal; a member that is not an object (a hand-edited trace) must equal the
    replay's exactly."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return bool(a == b)
    return all(a.get(k) == b.get(k) for k in set(a) & set(b))


def policy_checks(doc: dict[str, Any], strict: bool) -> list[dict[str, Any]]:
    summary = doc["summary"]
    warnings = [f["message"] for f in summary.get("findings") or [] if f["kind"] == CHECKER]
    pass_warnings = warnings if summary["status"] == "pass" else []
    checks = [_check("strict_warning_policy", not (strict and pass_warnings),
                     f"strict={str(strict).lower()} warnings={pass_warnings}")]
    memory = doc.get("memory")
    if memory is not None:
        checks.append(_memory_policy(memory))
    return checks


def _memory_policy(memory: Any) -> dict[str, Any]:
    """The leak policy check; a malformed `memory` member fails it with the reason (the trace
    reader keeps `memory` free-form, so its shape is checked where it is used)."""
    options = memory.get("options") or {} if isinstance(memory, dict) else None
    mem = memory.get("summary") or {} if isinstance(memory, dict) else None
    if not isinstance(options, dict) or not isinstance(mem, dict):
        return _check("memory_policy", False, "malformed `memory` member in the trace")
    leaked, allocs = mem.get("leakedBytes", 0), mem.get("leakedAllocs", 0)
    budget = options.get("leak_budget_bytes")
    if not all(_is_int(v) for v in (leaked, allocs)) or not (budget is None or _is_int(budget)):
        return _check("memory_policy", False,
                      "malformed `memory` member in the trace: leak counts must be integers")
    if options.get("fail_on_leak"):
        ok, rule = leaked == 0 and allocs == 0, "fail_on_leak"
    elif budget is not None:
        ok, rule = leaked <= budget, f"leak_budget={budget}"
    else:
        ok, rule = True, "no leak policy"
    return _check("memory_policy", ok, f"{rule} leaked_bytes={leaked} leaked_allocs={allocs}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def flake_check(req: CiRequest) -> dict[str, Any]:
    from fozzy.artifacts.query import QueryError, flaky_report
    from fozzy.artifacts.selectors import resolve

    assert req.flake_budget is not None
    summaries = [resolve(s, req.base_dir).summary for s in req.flake_runs]
    try:
        report = flaky_report(summaries)
    except QueryError as e:
        raise ArgumentError(f"--flake-run: {e.message}") from None
    rate = float(report["flakeRatePct"])
    counts = " ".join(f"{k}={v}" for k, v in report["statusCounts"].items())
    return _check("flake_budget", rate <= req.flake_budget,
                  f"flake_rate_pct={rate:.2f} budget_pct={req.flake_budget:.2f}"
                  f" runs={report['runCount']} {counts}")


def step_latencies(events: list[dict[str, Any]]) -> list[int]:
    return [int(ev["fields"]["duration_ms"]) for ev in events
            if ev.get("name") == "span_end" and "duration_ms" in (ev.get("fields") or {})]


def p99(values: list[int]) -> int:
    """Nearest-rank 99th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def perf_check(doc: dict[str, Any] | None, req: CiRequest) -> dict[str, Any]:
    from fozzy.artifacts.selectors import resolve

    assert req.perf_baseline is not None and req.max_p99_delta_pct is not None
    name = "perf_p99_budget"
    if doc is None:
        return _check(name, False, "not run: the trace did not verify")
    baseline = resolve(req.perf_baseline, req.base_dir).events()
    if baseline is None:
        raise FozzyError(f"--perf-baseline {req.perf_baseline!r} has no event stream"
                         " (needs a trace or a run with events.json)")
    base, current = step_latencies(baseline), step_latencies(doc["events"])
    if not base or not current:
        which = "baseline" if not base else "trace"
        return _check(name, False, f"no step latencies (span_end events) in the {which}")
    b, c = p99(base), p99(current)
    delta = 0.0 if c == b else (math.inf if b == 0 else (c - b) / b * 100)
    return _check(name, delta <= req.max_p99_delta_pct,
                  f"baseline_p99_ms={b} current_p99_ms={c} delta_pct={delta:.2f}"
                  f" budget_pct={req.max_p99_delta_pct:.2f}")


def execute_ci(req: CiRequest) -> dict[str, Any]:
    check_request(req)
    inp = resolve_input(req.selector, req.base_dir)
    checks: list[dict[str, Any]] = []
    doc: dict[str, Any] | None = None
    if inp.trace_path is None:
        checks.append(_check("trace_verify", False, "not run: the run directory did not verify"))
    else:
        verify, doc = verify_check(inp.trace_path, req.strict)
        checks.append(verify)
    if doc is not None and inp.trace_path is not None:
        checks.extend(replay_checks(doc, inp.trace_path, req))
        checks.extend(policy_checks(doc, req.strict))
    else:
        for name in ("replay_outcome", "replay_warning_parity", "replay_memory_parity",
                     "strict_warning_policy"):
            checks.append(_check(name, False, "not run: the trace could not be trusted"))
    checks.append(inp.integrity)
    if req.flake_runs:
        checks.append(flake_check(req))
    if req.perf_baseline is not None:
        checks.append(perf_check(doc, req))
    report = {"schemaVersion": SCHEMA, "ok": all(c["ok"] for c in checks), "checks": checks}
    from fozzy.trace.trust import replay_target

    target = None if doc is None else replay_target(doc)
    return report if target is None else {**report, **target}
