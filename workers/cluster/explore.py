"""Run schedules of a simulated cluster: one, a batch for a job item, a replay, a shrink.

Input is the *effective* cluster — `{"nodes": [...], "steps": [...], "invariants": [...]}`
with the node list resolved, faults inserted and any `--checker` override applied — built by
`effective_cluster` from the normalized `distributed` section. It is what a trace embeds, so
a replay needs nothing else.

Every run ends quiescent (script done, nothing in flight): a strategy makes at most `steps`
choices and the fifo rule completes the rest. A violation is either a failed
`client_get_assert` (assertion finding) or the first violated invariant on the final state.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from workers.cluster.checkers import Invariant, check_final, compile_invariants
from workers.cluster.faults import Fault, insert_faults
from workers.cluster.model import AssertFailed, Cluster, ClusterError, compile_steps
from workers.cluster.schedule import (
    DEFAULT_PCT_DEPTH,
    STEP,
    STRATEGIES,
    SYSTEMATIC,
    CoveragePicker,
    FifoPicker,
    PctPicker,
    Picker,
    RandomPicker,
    enumerate_schedules,
    fifo_choice,
    state_hash,
)
from workers.engine.findings import Finding
from workers.engine.quote import q

PASS, FAIL = "pass", "fail"


class ReplayDrift(ClusterError):
    """A recorded schedule that does not fit the scenario: the trace and scenario disagree."""


def resolve_nodes(dist: dict[str, Any], override: int | None = None) -> list[str]:
    """The node list: explicit `nodes` (deduplicated, in order) or `n0..n{node_count-1}`.

    `override` (`--nodes N`) only resizes a `node_count` cluster: renaming an explicit node
    list would silently orphan every step that names its nodes.
    """
    nodes = dist.get("nodes")
    if nodes:
        if override is not None:
            raise ClusterError("--nodes applies only to scenarios that declare node_count;"
                               " this one lists its nodes")
        return list(dict.fromkeys(nodes))
    count = dist.get("node_count")
    if not isinstance(count, int) or count < 1:
        raise ClusterError("distributed requires either nodes:[...] or node_count")
    if override is not None:
        if override < 1:
            raise ClusterError("--nodes must be >= 1")
        count = override
    return [f"n{i}" for i in range(count)]


def effective_cluster(
    dist: dict[str, Any],
    *,
    nodes_override: int | None = None,
    faults: list[Fault] | None = None,
    checkers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    nodes = resolve_nodes(dist, nodes_override)
    steps = insert_faults(list(dist.get("steps") or []), nodes, faults or [])
    invariants = list(checkers if checkers is not None else dist.get("invariants") or [])
    cluster = {"nodes": nodes, "steps": steps, "invariants": invariants}
    prepare(cluster)
    return cluster


@dataclass
class Prepared:
    nodes: list[str]
    script: list[tuple[Any, ...]]
    invariants: list[Invariant]

    def fresh(self) -> Cluster:
        return Cluster(self.nodes, self.script)


def prepare(cluster: dict[str, Any]) -> Prepared:
    """Compile once per batch; raises ClusterError for anything a run could not do."""
    nodes = list(cluster["nodes"])
    if not nodes:
        raise ClusterError("distributed.nodes must not be empty")
    return Prepared(nodes, compile_steps(list(cluster["steps"]), nodes),
                    compile_invariants(list(cluster["invariants"]), nodes))


@dataclass
class Run:
    status: str
    finding: Finding | None
    choices: list[int]
    explicit: list[int]  # the given choices that were applied (all of them unless lenient)
    events: list[dict[str, Any]] = field(default_factory=list)

    def decisions(self) -> list[dict[str, Any]]:
        return [decision(ch) for ch in self.choices]


def decision(choice: int) -> dict[str, Any]:
    label = "step" if choice == STEP else "deliver"
    return {"kind": "scheduler_pick", "task_id": choice, "label": label}


def choices_from_decisions(decisions: list[dict[str, Any]]) -> list[int]:
    out: list[int] = []
    for i, d in enumerate(decisions):
        tid, label = d.get("task_id"), d.get("label")
        if d.get("kind") != "scheduler_pick" or not isinstance(tid, int) or isinstance(tid, bool):
            raise ReplayDrift(f"decision {i} is not an explore scheduler_pick")
        if (label == "step") != (tid == STEP) or label not in ("step", "deliver"):
            raise ReplayDrift(f"decision {i}: label {q(str(label))} does not fit task {tid}")
        out.append(tid)
    return out


def _make(c: Cluster, ch: int) -> bool:
    """Apply a choice if it is enabled, logging the pick first when the run is recorded."""
    i = -1
    if ch == STEP:
        if not c.steps_left:
            return False
    else:
        i = c.index_of(ch)
        if i < 0:
            return False
    if c.log is not None:
        c.log.append({"time_ms": c.clock_ms, "name": "sched_pick",
                      "fields": {"label": "step" if ch == STEP else "deliver",
                                 "queue_len": len(c.queue), "task_id": ch}})
    if ch == STEP:
        c.run_step()
    else:
        c.deliver_at(i)
    return True


def run_schedule(
    prep: Prepared,
    picker: Picker | None = None,
    given: list[int] | tuple[int, ...] = (),
    *,
    strict: bool = True,
    budget: int | None = None,
    record: bool = False,
    seen: set[int] | None = None,
) -> Run:
    """One whole run: `given` choices, then `picker` up to `budget` choices, then fifo.

    `strict` makes a given choice that is not enabled a ReplayDrift; otherwise it is skipped
    (shrinking tries schedules with choices cut out). `seen` collects every state's hash.
    """
    c = prep.fresh()
    if record:
        c.log = []
    if seen is not None:
        seen.add(state_hash(c))
    choices: list[int] = []
    explicit: list[int] = []
    failed: Finding | None = None
    try:
        for i, ch in enumerate(given):
            if not _make(c, ch):
                if strict:
                    what = "a script step" if ch == STEP else f"message id {ch}"
                    raise ReplayDrift(f"replay drift: choice {i} wants {what}, which is not"
                                      " pending at that point")
                continue
            choices.append(ch)
            explicit.append(ch)
            if seen is not None:
                seen.add(state_hash(c))
        if picker is not None:
            picker.start()
            while not c.quiescent and (budget is None or len(choices) < budget):
                ch = picker.pick(c)
                choices.append(ch)
                _make(c, ch)
                if seen is not None:
                    seen.add(state_hash(c))
        while not c.quiescent:
            ch = fifo_choice(c)
            choices.append(ch)
            _make(c, ch)
            if seen is not None:
                seen.add(state_hash(c))
    except AssertFailed as e:
        failed = e.finding
    if failed is None:
        failed = check_final(c, prep.invariants)
    if record and c.log is not None:
        c.log.append({"time_ms": c.clock_ms, "name": "violation" if failed else "quiescent",
                      "fields": {"choices": len(choices)}})
    return Run(PASS if failed is None else FAIL, failed, choices, explicit, c.log or [])


def replay(prep: Prepared, choices: list[int]) -> Run:
    """Re-run a recorded schedule exactly (strict), with events, for traces and checks."""
    return run_schedule(prep, None, choices, strict=True, record=True)


def same_violation(a: Finding | None, b: Finding | None) -> bool:
    return a is not None and b is not None and all(a[k] == b[k] for k in
                                                   ("kind", "title", "message"))


def shrink(
    prep: Prepared, choices: list[int], *, max_runs: int = 5000, deadline: float | None = None
) -> list[int]:
    """A shorter schedule that replays (strictly) to the very same violation.

    Cuts the longest tail that fifo completion reproduces, then removes chunks (halving
    the chunk size down to one choice), keeping only the choices a lenient run applied so
    the result is always strictly replayable; then trims the tail again.
    """
    target = replay(prep, choices).finding
    if target is None:
        raise ClusterError("shrink needs a schedule that violates something")
    runs = 0

    def budget_left() -> bool:
        return runs < max_runs and (deadline is None or time.monotonic() < deadline)

    def tail_trim(cur: list[int]) -> list[int]:
        nonlocal runs
        for n in range(len(cur)):
            if not budget_left():
                break
            runs += 1
            if same_violation(run_schedule(prep, None, cur[:n]).finding, target):
                return cur[:n]
        return cur

    cur = tail_trim(list(choices))
    chunk = max(1, len(cur) // 2)
    while chunk >= 1 and cur and budget_left():
        start, shrunk = 0, False
        while start < len(cur) and budget_left():
            cand = cur[:start] + cur[start + chunk:]
            runs += 1
            r = run_schedule(prep, None, cand, strict=False)
            if same_violation(r.finding, target) and len(r.explicit) < len(cur):
                cur, shrunk = r.explicit, True
            else:
                start += chunk
        if not shrunk:
            chunk //= 2
    return tail_trim(cur)


@dataclass
class Summary:
    schedules: int = 0
    seen: set[int] = field(default_factory=set)
    violations: list[tuple[Run, int]] = field(default_factory=list)  # run, schedule index
    exhausted: bool = False
    timed_out: bool = False


def explore(
    prep: Prepared,
    strategy: str,
    *,
    seed: int = 0,
    schedules: int | None = None,
    steps: int | None = None,
    deadline: float | None = None,
    pct_depth: int = DEFAULT_PCT_DEPTH,
    prune: bool = True,
    seen: set[int] | None = None,
    max_violations: int = 1,
) -> Summary:
    """Run schedules by `strategy` until a bound: `schedules`, `deadline` (monotonic),
    `max_violations` found, or (fifo, bfs, dfs) the space exhausted.

    `seen` is the campaign's set of state hashes so far; coverage_guided steers away from
    it and every strategy adds to it, so `len(summary.seen)` is the distinct-state count.
    """
    if strategy not in STRATEGIES:
        raise ClusterError(f"unknown schedule {q(strategy)} (expected: {', '.join(STRATEGIES)})")
    if steps is not None and steps < 0:
        raise ClusterError("steps must be >= 0")
    out = Summary(seen=set() if seen is None else seen)

    def out_of_time() -> bool:
        if deadline is not None and time.monotonic() >= deadline:
            out.timed_out = True
            return True
        return False

    if strategy in SYSTEMATIC:
        _systematic(prep, strategy, out, steps, prune, schedules, max_violations, out_of_time)
        return out
    if schedules is None and deadline is None and strategy != "fifo":
        raise ClusterError(f"{strategy} needs a bound: a number of schedules or a time limit")
    rng = random.Random(seed)
    picker: Picker
    if strategy == "fifo":
        picker, schedules = FifoPicker(), 1
    elif strategy == "random":
        picker = RandomPicker(rng)
    elif strategy == "pct":
        length = len(run_schedule(prep, FifoPicker()).choices)
        picker = PctPicker(rng, pct_depth, length)
    else:
        picker = CoveragePicker(rng, out.seen)
    while (schedules is None or out.schedules < schedules) and not out_of_time():
        r = run_schedule(prep, picker, budget=steps, seen=out.seen)
        out.schedules += 1
        if r.finding is not None:
            out.violations.append((r, out.schedules - 1))
            if len(out.violations) >= max_violations:
                return out
    out.exhausted = strategy == "fifo" and out.schedules == 1
    return out


def _systematic(
    prep: Prepared,
    order: str,
    out: Summary,
    depth: int | None,
    prune: bool,
    limit: int | None,
    max_violations: int,
    out_of_time: Any,
) -> None:
    depths: dict[int, int] = {}

    def leaf(choices: list[int], c: Cluster, failed: Finding | None) -> bool:
        if failed is None:
            failed = check_final(c, prep.invariants)
        out.schedules += 1
        if failed is not None:
            out.violations.append((Run(FAIL, failed, choices, choices), out.schedules - 1))
            if len(out.violations) >= max_violations:
                return True
        return limit is not None and out.schedules >= limit

    done = enumerate_schedules(prep.fresh(), order, depth, prune, depths, leaf, out_of_time)
    out.seen.update(depths)
    out.exhausted = done
