"""`fozzy replay`: re-run a recorded steps trace against its own decision log (§6.1).

The embedded scenario runs on the worker pool like any run, in det mode with the trace's seed
and memory options. Families a host backend served while recording get the `"replay"`
backend, which answers from the log; everything else re-executes on the scripted/virtual
backends. Nothing live happens. The engine reports value drift and unused decisions as
findings; a structural mismatch comes back as status `error` and becomes a `TraceError`
(exit 2) before any run directory exists. This module adds the checks that need the trace
itself: stale schema, host warnings, memory drift and warning parity.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fozzy.analysis.profile.budgets import TITLES as BUDGET_TITLES
from fozzy.analysis.profile.budgets import HeapBudgets
from fozzy.artifacts.invocation import Invocation
from fozzy.artifacts.reproduce import replay_command
from fozzy.errors import ArgumentError, TraceError
from fozzy.executor.finalize import ArtifactOptions, Execution, Finalized, finalize
from fozzy.executor.seam import make_executor
from fozzy.trace.model import (
    host_warnings,
    recorded_host_families,
    stale_warning,
    trace_kind,
)
from fozzy.trace.reader import read_trace

CHECKER = "checker"
REPLAY_GRACE_MS = 10_000
_LIVE_BACKENDS = {"proc": "scripted", "fs": "virtual", "http": "scripted"}


@dataclass
class ReplayRequest:
    trace_path: str
    until_ms: int | None = None
    step: bool = False
    capture: bool = False  # --step / --dump-events: keep events.json and timeline.json
    reporter: str = "pretty"
    limits: dict[str, int] = field(default_factory=dict)
    base_dir: str = ".fozzy"
    trust_target: bool = False  # run an fn: target even when it is not a project file
    # Recomputed on the replayed events, as `run` computed them while recording.
    heap_budgets: HeapBudgets = field(default_factory=HeapBudgets)
    invocation: Invocation = field(default_factory=Invocation)


@dataclass
class Replayed:
    finalized: Finalized
    events: list[dict[str, Any]]


def _finding(title: str, message: str, file: str) -> dict[str, Any]:
    return {"kind": CHECKER, "title": title, "message": message, "location": {"file": file}}


def embedded_scenario(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    """The trace's scenario with its steps re-checked against the step model."""
    from workers.steps.parse import StepParseError, parse_steps

    scn = doc.get("scenario")
    if scn is None:
        raise TraceError(f"trace missing embedded scenario; cannot replay ({path})")
    if scn["version"] != 1:
        raise TraceError(
            f"unsupported embedded scenario version {scn['version']} in {path} (expected 1)"
        )
    try:
        steps = parse_steps(scn["steps"], "/scenario/steps")
    except StepParseError as e:
        raise TraceError(f"invalid embedded scenario in {path}: {e}") from None
    return {"version": 1, "name": scn["name"], "steps": steps}


def _refuse_worker_crash(doc: dict[str, Any], path: Path) -> None:
    """A worker that died mid-scenario never returned its decisions, so the trace's log stops
    where the crash happened and the replay would only report drift against the missing
    remainder. Saying so names the actual finding instead of a misleading drift."""
    summary = doc["summary"]
    if summary["status"] != "crash":
        return
    crash = next((f for f in summary.get("findings") or [] if f["title"] == "worker_crash"), None)
    if crash is None:
        return
    count = len(doc["decisions"])
    raise TraceError(
        f"trace {path} recorded a run that crashed its worker (status crash, worker_crash:"
        f" {crash['message']}); its decision log ends at the crash ({count} decision"
        f"{'' if count == 1 else 's'} recorded), so it cannot be replayed past that point"
    )


def replay_spec(doc: dict[str, Any], path: Path, req: ReplayRequest) -> dict[str, Any]:
    """The job item that replays `doc` (workers.protocol RunSpec with `replay` set)."""
    _refuse_worker_crash(doc, path)
    used = recorded_host_families(doc)
    backends = {k: "replay" if k in used else v for k, v in _LIVE_BACKENDS.items()}
    memory = (doc.get("memory") or {}).get("options") or {}
    return {
        "scenario": embedded_scenario(doc, path),
        "scenario_path": doc.get("scenario_path") or str(path),
        "seed": doc["summary"]["identity"]["seed"],
        "det": True,
        "timeout_ms": None,
        "backends": backends,
        "memory": memory,
        "limits": req.limits,
        "cwd": os.getcwd(),
        "replay": {
            "decisions": doc["decisions"],
            "until_ms": req.until_ms,
            "recorded_status": doc["summary"]["status"],
        },
        # A fuzz campaign judged this run with the service oracle; its replay must too.
        "service_oracle": doc.get("fuzz") is not None,
    }


def trace_checks(
    doc: dict[str, Any], result: dict[str, Any], file: str
) -> list[dict[str, Any]]:
    """Findings that compare the replay with the trace it came from (§6.1). A replay that
    already drifted stopped early, so its memory and warnings are not compared."""
    out: list[dict[str, Any]] = []
    drifted = any(f["title"] == "replay_drift" for f in result["findings"])
    recorded_mem = (doc.get("memory") or {}).get("summary")
    replayed_mem = (result.get("memory") or {}).get("summary")
    if not drifted and recorded_mem != replayed_mem:
        out.append(_finding(
            "replay_memory_drift",
            f"replay memory summary differs from the trace: recorded {recorded_mem},"
            f" replayed {replayed_mem}",
            file,
        ))
    summary = doc["summary"]
    if summary["status"] == "pass" and not drifted:
        recorded = {f["message"] for f in summary.get("findings", [])
                    if f["kind"] == CHECKER and f["title"] not in BUDGET_TITLES}
        replayed = {
            f["message"] for f in result["findings"]
            if f["kind"] == CHECKER and not f["title"].startswith("replay_")
            and f["title"] not in BUDGET_TITLES
        }
        if recorded != replayed:
            out.append(_finding(
                "replay_warning_drift",
                f"replay warnings differ from the trace: recorded {sorted(recorded)},"
                f" replayed {sorted(replayed)}",
                file,
            ))
    stale = stale_warning(doc["version"])
    if stale is not None:
        out.append(_finding("stale_trace_schema", stale, file))
        out.extend(_finding("stale_trace_schema", w, file)
                   for w in host_warnings(doc["decisions"], doc["events"]))
    return out


def final_status(status: str, findings: list[dict[str, Any]]) -> str:
    drift = any(f["kind"] == CHECKER and f["title"].startswith("replay_") for f in findings)
    return "fail" if status == "pass" and drift else status


def execute_replay(req: ReplayRequest) -> Replayed:
    path, doc = read_trace(req.trace_path)
    kind = trace_kind(doc)
    started_ns = time.time_ns()
    t0 = time.perf_counter_ns()
    if kind == "steps":
        execution = _replay_steps(doc, path, req)
    elif req.until_ms is not None or req.step:
        raise ArgumentError(f"--until and --step apply to steps traces, not to {kind} trace {path}")
    elif kind == "fuzz":
        execution = _replay_fuzz(doc, path, req.trust_target)
    else:
        execution = _replay_explore(doc, path)
    execution.started_ns = started_ns
    execution.wall_ns = time.perf_counter_ns() - t0
    if execution.status != "pass":
        execution.reproduce = replay_command(req.invocation, str(path),
                                             trust_target=req.trust_target,
                                             until_ms=req.until_ms)
    options = ArtifactOptions(reporter=req.reporter, explicit_capture=req.capture)
    done = finalize(execution, req.base_dir, options, trace_read=path)
    return Replayed(done, execution.events)


def _execution(doc: dict[str, Any], status: str, findings: list[dict[str, Any]],
               result: dict[str, Any]) -> Execution:
    return Execution(
        mode="replay",
        seed=doc["summary"]["identity"]["seed"],
        status=final_status(status, findings),
        started_ns=0,
        wall_ns=0,
        findings=findings,
        events=result.get("events") or [],
        decisions=result.get("decisions") or [],
        memory_report=result.get("memory"),
        virtual_ms=result.get("virtualMs"),
        measurements=result.get("measurements"),
        scenario_path=doc.get("scenario_path"),
    )


def _replay_steps(doc: dict[str, Any], path: Path, req: ReplayRequest) -> Execution:
    spec = replay_spec(doc, path, req)
    with make_executor(1) as pool:
        result = dict(pool.run([spec], deadline_ms=lambda item: item["replay"]["until_ms"]))[0]
    if result["status"] == "error":
        raise TraceError(f"{result.get('error', 'replay failed')} (trace {path})")
    result["findings"] = [*result["findings"], *req.heap_budgets.check(result)]
    findings = list(result["findings"]) + trace_checks(doc, result, spec["scenario_path"])
    execution = _execution(doc, result["status"], findings, result)
    execution.scenario = spec["scenario"]
    return execution


def _worker_failure(result: dict[str, Any], path: Path, what: str) -> TraceError:
    found = result.get("findings") or [{"message": result.get("status", "no result")}]
    return TraceError(f"could not replay {what} trace {path}: {found[0]['message']}")


def _status_drift(doc: dict[str, Any], status: str, file: str) -> list[dict[str, Any]]:
    recorded = doc["summary"]["status"]
    if status == recorded:
        return []
    return [_finding("replay_drift", f"replay ended {status}, the trace recorded {recorded}",
                     file)]


def _replay_fuzz(doc: dict[str, Any], path: Path, trust_target: bool) -> Execution:
    """Re-run a `fn:` fuzz target on the recorded input (scenario fuzz traces embed their
    scenario and replay as steps traces)."""
    from fozzy.fuzzing.targets import DEFAULT_FN_EXEC_TIMEOUT_MS, FuzzRequest, resolve_target
    from fozzy.trace.trust import require_trusted

    fuzz = doc["fuzz"]
    require_trusted(str(fuzz["target"]), trust_target)
    target = resolve_target(FuzzRequest(target=fuzz["target"], seed=0))
    if target.is_scenario:
        raise TraceError(f"trace missing embedded scenario; cannot replay ({path})")
    per_exec = DEFAULT_FN_EXEC_TIMEOUT_MS
    item = {"target": target.spec, "inputs": [fuzz["input_hex"]], "exec_timeout_ms": per_exec}
    with make_executor(1) as pool:
        result = dict(pool.run([item], op="fuzz_eval",
                               deadline_ms=lambda _: per_exec + REPLAY_GRACE_MS))[0]
    if "outcomes" in result:
        outcome = result["outcomes"][0]
    elif (result.get("status") in ("crash", "timeout") and result.get("findings")
          and result["findings"][0].get("title") != "worker_error"):
        # The input killed or hung its worker again: that is the recorded failure reproduced.
        outcome = {"status": result["status"], "finding": result["findings"][0]}
    else:
        raise _worker_failure(result, path, "fuzz")
    findings = [] if outcome["finding"] is None else [outcome["finding"]]
    findings += _status_drift(doc, outcome["status"], str(path))
    return _execution(doc, outcome["status"], findings, {})


def _replay_explore(doc: dict[str, Any], path: Path) -> Execution:
    """Re-run the recorded schedule (the trace's scheduler picks) on the recorded cluster."""
    from workers.cluster.explore import ReplayDrift, choices_from_decisions

    scenario = (doc["explore"] or {}).get("scenario") or {}
    cluster = {k: v for k, v in scenario.items() if k not in ("version", "name")}
    try:
        choices = choices_from_decisions(doc["decisions"])
    except ReplayDrift as e:
        raise TraceError(f"explore trace {path} has no replayable schedule: {e}") from None
    item = {"cluster": cluster, "choices": choices}
    with make_executor(1) as pool:
        result = dict(pool.run([item], op="explore_replay", deadline_ms=lambda _: None))[0]
    if "choices" not in result:
        raise _worker_failure(result, path, "explore")
    file = doc.get("scenario_path") or str(path)
    findings = [] if result["finding"] is None else [result["finding"]]
    if result["decisions"] != doc["decisions"]:
        findings.append(_finding(
            "replay_drift", "replayed schedule differs from the recorded decisions", file))
    findings += _status_drift(doc, result["status"], file)
    return _execution(doc, result["status"], findings, result)


def step_lines(events: list[dict[str, Any]]) -> list[str]:
    """One line per replayed step, from its span events: what `--step` shows."""
    lines: list[str] = []
    kinds: dict[str, str] = {}
    for ev in events:
        fields = ev["fields"]
        if ev["name"] == "span_start" and fields.get("task") == "step":
            kinds[fields["span"]] = fields["step_kind"]
        elif ev["name"] == "span_end" and fields.get("span") in kinds:
            index = int(str(fields["span"]).rpartition("-")[2]) + 1
            lines.append(
                f"step {index} {kinds[fields['span']]} {fields['status']}"
                f" at {ev['time_ms']}ms (+{fields['duration_ms']}ms)"
            )
    return lines
