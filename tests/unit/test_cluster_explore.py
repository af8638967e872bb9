"""Exploration end to end on the bundled examples: find, replay, shrink, batch, topology."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from workers import protocol
from workers.cluster.explore import (
    ReplayDrift,
    choices_from_decisions,
    effective_cluster,
    explore,
    prepare,
    replay,
    resolve_nodes,
    run_schedule,
    shrink,
)
from workers.cluster.explore_ops import explore_batch
from workers.cluster.faults import parse_fault_doc
from workers.cluster.model import ClusterError
from workers.cluster.schedule import STEP
from workers.cluster.spec import parse_distributed, validate_distributed

ROOT = Path(__file__).resolve().parents[2]
SAMPLERS = ("random", "pct", "coverage_guided")


def _dist(name: str) -> dict[str, Any]:
    doc = orjson.loads((ROOT / "examples" / "explore" / f"{name}.fozzy.json").read_bytes())
    spec = parse_distributed(doc["distributed"])
    validate_distributed(spec)
    return spec


def _cluster(name: str, **kw: Any) -> dict[str, Any]:
    return effective_cluster(_dist(name), **kw)


def test_fifo_does_not_find_the_replication_bug() -> None:
    s = explore(prepare(_cluster("replication-bug")), "fifo")
    assert s.schedules == 1
    assert s.exhausted
    assert not s.violations


@pytest.mark.parametrize("strategy", [*SAMPLERS, "bfs", "dfs"])
def test_every_other_strategy_finds_the_lost_write(strategy: str) -> None:
    prep = prepare(_cluster("replication-bug"))
    for seed in range(5):
        s = explore(prep, strategy, seed=seed, schedules=500)
        assert s.violations, f"{strategy} seed {seed} found nothing in {s.schedules} schedules"
        run, _ = s.violations[0]
        assert run.finding is not None
        assert run.finding["kind"] == "invariant"
        assert run.finding["title"] == "kv_all_equal"
        assert 'key "user"' in run.finding["message"]


@pytest.mark.parametrize("strategy", [*SAMPLERS, "dfs", "bfs"])
def test_violations_replay_exactly_and_shrink(strategy: str) -> None:
    prep = prepare(_cluster("replication-bug"))
    run, _ = explore(prep, strategy, seed=11, schedules=500).violations[0]
    again = replay(prep, run.choices)
    assert again.choices == run.choices
    assert again.finding == run.finding
    small = shrink(prep, run.choices)
    assert len(small) < len(run.choices)
    assert replay(prep, small).finding == run.finding
    # a partition must cut n0's write to n2 in flight: put, put, partition, before delivery 2
    assert small == [STEP, STEP, STEP]


def test_correct_scenario_survives_exhaustive_bfs_and_reports_states() -> None:
    prep = prepare(_cluster("replication-ok"))
    full = explore(prep, "bfs")
    assert full.exhausted
    assert not full.violations
    assert len(full.seen) > 100
    shallow = explore(prep, "bfs", steps=4)
    assert shallow.exhausted
    assert not shallow.violations
    assert 1 < len(shallow.seen) < len(full.seen)
    unpruned = explore(prep, "bfs", prune=False)
    assert len(unpruned.seen) == len(full.seen)
    assert unpruned.schedules > full.schedules
    for strategy in ("dfs", *SAMPLERS):
        assert not explore(prep, strategy, seed=3, schedules=300).violations


def test_a_fault_file_placed_after_a_put_breaks_the_correct_scenario() -> None:
    faults = parse_fault_doc({"faults": [{"type": "crash", "node": "c", "after_step": 6},
                                         {"type": "restart", "node": "c", "after_step": 6}]},
                             "f")
    prep = prepare(_cluster("replication-ok", faults=faults))
    assert not explore(prep, "fifo").violations
    found = explore(prep, "random", seed=2, schedules=300).violations
    assert found
    assert found[0][0].finding is not None


def test_checker_override_replaces_invariants() -> None:
    checkers = [{"type": "kv_node_equals", "node": "a", "key": "color", "equals": "red"}]
    prep = prepare(_cluster("replication-ok", checkers=checkers))
    run = run_schedule(prep)
    assert run.finding == {"kind": "invariant", "title": "kv_node_equals",
                           "message": 'invariant violated: expected a.color == "red",'
                                      ' got Some("blue")', "location": {"invariant": 0}}


def test_failed_client_get_assert_is_an_assertion_finding() -> None:
    dist = {"nodes": ["a", "b"], "node_count": None, "invariants": [], "steps": [
        {"type": "client_put", "node": "a", "key": "k", "value": "1"},
        {"type": "client_get_assert", "node": "b", "key": "k", "equals": "1"}]}
    prep = prepare(effective_cluster(dist))
    assert run_schedule(prep).status == "pass"  # fifo delivers before the read
    s = explore(prep, "bfs")
    run, _ = s.violations[0]
    assert run.status == "fail"
    assert run.finding is not None
    assert run.finding["kind"] == "assertion"
    assert run.choices == [STEP, STEP]


def test_replay_of_a_schedule_that_does_not_fit_is_drift() -> None:
    prep = prepare(_cluster("replication-bug"))
    with pytest.raises(ReplayDrift, match="choice 0 wants message id 2"):
        replay(prep, [2])
    with pytest.raises(ReplayDrift, match="choice 2 wants message id 1"):
        replay(prep, [STEP, 1, 1])


def test_decisions_round_trip_and_bad_decisions_are_rejected() -> None:
    prep = prepare(_cluster("replication-bug"))
    run = replay(prep, [STEP, STEP, 2])
    assert choices_from_decisions(run.decisions()) == run.choices
    assert run.decisions()[2] == {"kind": "scheduler_pick", "task_id": 2, "label": "deliver"}
    with pytest.raises(ReplayDrift, match="decision 0"):
        choices_from_decisions([{"kind": "scheduler_pick", "task_id": 0, "label": "deliver"}])
    with pytest.raises(ReplayDrift, match="decision 0"):
        choices_from_decisions([{"kind": "rng", "value": 1}])


def test_recorded_events_tell_the_story() -> None:
    prep = prepare(_cluster("replication-bug"))
    run = replay(prep, [STEP, STEP, STEP])
    names = [e["name"] for e in run.events]
    assert names[0] == "sched_pick"
    drop = next(e for e in run.events if e["name"] == "drop")
    assert drop["fields"] == {"from": "n0", "id": 2, "key": "user", "reason": "partitioned",
                              "to": "n2"}
    assert names[-1] == "violation"
    assert names.count("sched_pick") == len(run.choices)


def test_nodes_override_only_resizes_node_count_clusters() -> None:
    assert resolve_nodes({"nodes": ["x", "y"], "node_count": 5}) == ["x", "y"]
    assert resolve_nodes({"nodes": None, "node_count": 2}, 4) == ["n0", "n1", "n2", "n3"]
    with pytest.raises(ClusterError, match="only to scenarios that declare node_count"):
        resolve_nodes({"nodes": ["x"], "node_count": None}, 3)
    with pytest.raises(ClusterError, match=r"nodes:\[\.\.\.\] or node_count"):
        resolve_nodes({"nodes": None, "node_count": None})
    with pytest.raises(ClusterError, match='unknown node "n2"'):
        _cluster("replication-bug", nodes_override=2)
    bigger = prepare(_cluster("replication-bug", nodes_override=4))
    assert bigger.nodes == ["n0", "n1", "n2", "n3"]


def test_sampling_strategies_need_a_bound() -> None:
    with pytest.raises(ClusterError, match="needs a bound"):
        explore(prepare(_cluster("replication-ok")), "random")
    with pytest.raises(ClusterError, match="unknown schedule"):
        explore(prepare(_cluster("replication-ok")), "chaos", schedules=1)


def _batch(**kw: Any) -> dict[str, Any]:
    item = {"cluster": _cluster("replication-bug"), "strategy": "random", "seed": 5,
            "schedules": 200, "max_violations": 2, **kw}
    out = explore_batch(orjson.loads(orjson.dumps(item)))
    out.pop("wallNs")
    return out


def test_batches_are_deterministic_and_carry_trace_material() -> None:
    a = _batch()
    assert a == _batch()
    assert a["schedules"] <= 200
    assert len(a["violations"]) == 2
    v = a["violations"][0]
    assert v["status"] == "fail"
    assert len(v["decisions"]) == len(v["choices"])
    assert v["events"]
    assert a["distinctStates"] == len(a["newStates"])
    follow = _batch(seed=6, seen=a["newStates"])
    assert follow["distinctStates"] == len(a["newStates"]) + len(follow["newStates"])
    assert not set(follow["newStates"]) & set(a["newStates"])


def test_systematic_batch_reports_exhaustion() -> None:
    item = {"cluster": _cluster("replication-ok"), "strategy": "bfs", "seed": 0}
    out = explore_batch(item)
    assert out["exhausted"]
    assert not out["violations"]
    assert out["distinctStates"] > 100


def test_worker_loop_serves_the_explore_op() -> None:
    from workers.serve import serve

    class Pipe:
        def __init__(self, inbox: list[bytes]) -> None:
            self.inbox = inbox
            self.outbox: list[bytes] = []

        def recv_bytes(self) -> bytes:
            if not self.inbox:
                raise EOFError
            return self.inbox.pop(0)

        def send_bytes(self, data: bytes) -> None:
            self.outbox.append(data)

    item = {"cluster": _cluster("replication-bug"), "strategy": "dfs", "seed": 0}
    pipe = Pipe([protocol.encode({"op": "explore", "items": [item]})])
    serve(pipe)
    reply = protocol.decode(pipe.outbox[0])
    assert reply["i"] == 0
    assert reply["result"]["violations"][0]["finding"]["title"] == "kv_all_equal"


def test_steps_budget_hands_the_rest_of_a_schedule_to_fifo() -> None:
    import random

    from workers.cluster.schedule import RandomPicker, apply, fifo_choice

    prep = prepare(_cluster("replication-bug"))
    fifo = run_schedule(prep).choices
    assert run_schedule(prep, RandomPicker(random.Random(1)), budget=0).choices == fifo
    tails = set()
    for seed in range(20):
        run = run_schedule(prep, RandomPicker(random.Random(seed)), budget=3)
        c = prep.fresh()
        for i, ch in enumerate(run.choices):
            if i >= 3:
                assert ch == fifo_choice(c)
            apply(c, ch)
        tails.add(tuple(run.choices[:3]))
    assert len(tails) > 1
