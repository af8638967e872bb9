"""A campaign's crashes after the search: minimized to the smallest input that fails the
same way, re-run for the events a trace needs, and recorded as one replayable trace each."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fozzy.artifacts.reproduce import replay_command
from fozzy.errors import FozzyError
from fozzy.executor.finalize import Execution
from fozzy.executor.seam import Executor
from fozzy.fuzzing.campaign import Crash
from fozzy.fuzzing.corpus import content_name
from fozzy.fuzzing.evaluate import evaluate
from fozzy.fuzzing.targets import FuzzRequest, Target

if TYPE_CHECKING:
    from fozzy.shrink.steps import Candidate


MINIMIZE_SECONDS = 30.0


def _signature_oracle(pool: Executor, target: Target, signature: str,
                      encode: Callable[[Any], bytes], timeout_ms: int, scratch: Path,
                      per_exec: int | None) -> Callable[[list[Any]], list[bool]]:
    def still_fails(candidates: list[Any]) -> list[bool]:
        inputs = [encode(c) for c in candidates]
        outcomes = evaluate(pool, target, inputs, pool.jobs, timeout_ms, scratch, per_exec)
        return [o["signature"] == signature for o in outcomes]

    return still_fails


def _step_oracle(pool: Executor, target: Target, crash: Crash,
                 encode: Callable[[list[dict[str, Any]]], bytes], timeout_ms: int,
                 scratch: Path, per_exec: int | None) -> Callable[[list[Candidate]], list[bool]]:
    """Scenario crashes: the same signature raised by the same step of the crashing input
    (a candidate's step maps back through its origins), as `fozzy shrink` requires."""
    wanted = evaluate(pool, target, [crash.input], 1, timeout_ms, scratch, per_exec)[0]

    def still_fails(candidates: list[Candidate]) -> list[bool]:
        inputs = [encode(c.steps) for c in candidates]
        outcomes = evaluate(pool, target, inputs, pool.jobs, timeout_ms, scratch, per_exec)
        return [o["signature"] == crash.signature
                and c.origin(o.get("failedStep")) == wanted.get("failedStep")
                for c, o in zip(candidates, outcomes, strict=True)]

    return still_fails


def minimize_crash(pool: Executor, target: Target, crash: Crash, timeout_ms: int,
                   scratch: Path, per_exec: int | None, until: float | None = None) -> bytes:
    """The smallest input found that fails with the same signature (steps for scenario
    targets, bytes for fn targets), within a per-crash time budget and by `until` (the
    `--time` deadline) at the latest."""
    from fozzy.shrink.ddmin import ShrinkStats, ddmin
    from fozzy.shrink.steps import shrink_steps
    from workers.fuzz.scenario_batch import encode_scenario_input
    from workers.fuzz.scenario_mutators import ScenarioInput

    deadline = time.monotonic() + MINIMIZE_SECONDS
    if until is not None:
        deadline = min(deadline, until)
    stats = ShrinkStats()

    def budget_left() -> bool:
        return time.monotonic() < deadline

    if target.is_scenario:
        import orjson

        value = orjson.loads(crash.input)
        seed = int(value["seed"])

        def encode_steps(steps: list[dict[str, Any]]) -> bytes:
            return encode_scenario_input(ScenarioInput(seed, steps))

        step_oracle = _step_oracle(pool, target, crash, encode_steps, timeout_ms, scratch,
                                   per_exec)
        steps = shrink_steps(value["steps"], step_oracle, stats, budget_left, width=pool.jobs)
        return encode_steps(steps)
    byte_oracle = _signature_oracle(pool, target, crash.signature, bytes, timeout_ms, scratch,
                                    per_exec)
    return bytes(ddmin(list(crash.input), byte_oracle, stats, budget_left, width=pool.jobs))


@dataclass
class RecordedCrash:
    crash: Crash
    input: bytes  # minimized when --minimize, else the crashing input
    result: dict[str, Any] | None  # a full re-run (scenario targets): events, decisions
    path: Path | None = None


class CrashTraces:
    """The TraceWriter for a campaign: one trace per distinct crash.

    The first goes to `--record PATH` (collision policy applied) or next to its input in
    `<corpus>/crashes/`; further crashes go next to `--record` with `append` naming, or to
    their own content-addressed names. Every trace embeds that crash's own summary.
    """

    def __init__(self, req: FuzzRequest, target: Target, directory: Path,
                 crashes: list[RecordedCrash]) -> None:
        self.req = req
        self.target_ = target
        self.directory = directory
        self.crashes = crashes

    @property
    def requested(self) -> bool:
        return self.req.record is not None

    def target(self, run_dir: Path, status: str) -> Path | None:
        if any(rc.path is None for rc in self.crashes):
            self.reserve()
        return self.crashes[0].path if self.crashes else None

    def reserve(self) -> None:
        """Every crash's final trace path (collision policy applied), before the summary
        that names them is built."""
        from fozzy.trace.writer import release_target, resolve_target

        reserved: list[Path] = []
        try:
            for i, rc in enumerate(self.crashes):
                if self.req.record is not None:
                    policy = self.req.record_collision if i == 0 else "append"
                    rc.path = resolve_target(self.req.record, policy)
                else:
                    name = content_name(rc.input, "crash", ".fozzy")
                    rc.path = resolve_target(self.directory / "crashes" / name, "overwrite")
                reserved.append(rc.path)
        except FozzyError:
            for p in reserved:
                release_target(p)
            raise

    def reproduce(self, rc: RecordedCrash) -> str:
        """`fozzy replay` of the crash's trace: the mutant (or fn input) exists only there."""
        from fozzy.trace.trust import check_target

        assert rc.path is not None
        untrusted = not self.target_.is_scenario and not check_target(self.target_.name).trusted
        return replay_command(self.req.invocation, str(rc.path), trust_target=untrusted)

    def write(self, path: Path, summary: dict[str, Any], execution: Execution) -> None:
        for rc in self.crashes:
            assert rc.path is not None
            self._write_one(rc, rc.path, summary["identity"]["runId"])

    def _write_one(self, rc: RecordedCrash, path: Path, run_id: str) -> None:
        from fozzy.artifacts.summary import build_summary, memory_summary
        from fozzy.trace.model import build_trace
        from fozzy.trace.writer import write_trace

        result = rc.result or {}
        seed = self.req.seed
        scenario = None
        if self.target_.is_scenario:
            import orjson

            value = orjson.loads(rc.input)
            seed = int(value["seed"])
            doc = self.target_.spec["doc"]
            scenario = {"version": doc.get("version", 1), "name": doc["name"],
                        "steps": value["steps"]}
        findings = result.get("findings") or [rc.crash.finding]
        summary = build_summary(
            status=result.get("status", rc.crash.status), mode="fuzz", run_id=run_id,
            seed=seed, started_ns=time.time_ns(), wall_ns=int(result.get("wallNs", 0)),
            trace_path=str(path), virtual_ms=result.get("virtualMs"),
            memory=memory_summary(result.get("memory")), findings=findings,
        )
        trace = build_trace(
            mode="fuzz", scenario_path=self.target_.spec.get("run", {}).get("scenario_path"),
            scenario=scenario, decisions=result.get("decisions", []),
            events=result.get("events", []), summary=summary, memory=result.get("memory"),
            fuzz={"target": self.target_.name, "input_hex": rc.input.hex()},
            backends=self.req.backends if self.target_.is_scenario else None,
        )
        write_trace(path, trace)


def rerun_crashes(pool: Executor, target: Target, inputs: list[bytes],
           timeout_ms: int) -> list[dict[str, Any] | None]:
    """Full engine runs of scenario crash inputs, for the events and decisions a trace needs
    (fn targets have no engine events)."""
    import orjson

    if not target.is_scenario or not inputs:
        return [None] * len(inputs)
    base = target.spec["run"]
    doc = target.spec["doc"]
    items = []
    for data in inputs:
        value = orjson.loads(data)
        items.append({**base, "scenario": {**doc, "steps": value["steps"]},
                      "seed": int(value["seed"])})
    results = dict(pool.run(items, deadline_ms=lambda _: timeout_ms))
    return [results[i] for i in range(len(items))]

