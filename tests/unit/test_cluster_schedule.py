"""Choice points, strategies and systematic enumeration with state-hash pruning."""

from __future__ import annotations

import random
from typing import Any

import pytest

from workers.cluster.model import AssertFailed, Cluster, compile_steps
from workers.cluster.schedule import (
    STEP,
    CoveragePicker,
    FifoPicker,
    PctPicker,
    RandomPicker,
    apply,
    enabled,
    enumerate_schedules,
    fifo_choice,
    state_hash,
)

NODES = ["a", "b", "c"]
SCRIPT = [
    {"type": "client_put", "node": "a", "key": "k", "value": "1"},
    {"type": "partition", "a": "a", "b": "c"},
    {"type": "client_put", "node": "b", "key": "k", "value": "2"},
    {"type": "heal", "a": "a", "b": "c"},
]


def _fresh(steps: list[dict[str, Any]] | None = None) -> Cluster:
    return Cluster(NODES, compile_steps(SCRIPT if steps is None else steps, NODES))


def _run(picker: Any) -> list[int]:
    c = _fresh()
    picker.start()
    out: list[int] = []
    while not c.quiescent:
        ch = picker.pick(c)
        assert ch in enabled(c)
        assert apply(c, ch)
        out.append(ch)
    return out


def _all_finals(c: Cluster) -> set[tuple[Any, ...]]:
    """Every quiescent state reachable from `c`, by brute force over every choice."""
    if c.quiescent:
        return {c.fingerprint()}
    out: set[tuple[Any, ...]] = set()
    for ch in enabled(c):
        d = c.copy()
        apply(d, ch)
        out |= _all_finals(d)
    return out


def test_enabled_lists_the_step_first_then_queued_messages() -> None:
    c = _fresh()
    assert enabled(c) == [STEP]
    apply(c, STEP)
    assert enabled(c) == [STEP, 1, 2]
    assert not apply(c, 99)
    assert apply(c, 2)
    assert enabled(c) == [STEP, 1]


def test_fifo_delivers_everything_before_the_next_step() -> None:
    assert _run(FifoPicker()) == [STEP, 1, 2, STEP, STEP, 3, 4, STEP]


def test_random_is_seeded_and_explores_different_orders() -> None:
    assert _run(RandomPicker(random.Random(7))) == _run(RandomPicker(random.Random(7)))
    rng = random.Random(1)
    schedules = {tuple(_run(RandomPicker(rng))) for _ in range(200)}
    assert len(schedules) > 5


def test_pct_runs_the_highest_priority_enabled_task_without_change_points() -> None:
    for seed in range(30):
        picker = PctPicker(random.Random(seed), depth=1, length=8)
        c = _fresh()
        picker.start()
        while not c.quiescent:
            options = enabled(c)
            ch = picker.pick(c)
            assert all(picker.prio[ch] >= picker.prio[o] for o in options)
            apply(c, ch)


def test_pct_change_points_demote_the_running_task_below_all_others() -> None:
    demotions = 0
    for seed in range(40):
        picker = PctPicker(random.Random(seed), depth=3, length=8)
        picker.start()
        assert sorted(picker.changes.values()) == [1, 2]
        c = _fresh()
        n = 0
        while not c.quiescent:
            n += 1
            options = enabled(c)
            ch = picker.pick(c)
            low = picker.changes.get(n)
            if low is not None:
                demoted = [t for t in options if picker.prio[t] == low]
                assert len(demoted) == 1
                if len(options) > 1:
                    assert ch != demoted[0]
                    demotions += 1
            apply(c, ch)
    assert demotions > 0


def test_pct_rejects_depth_zero() -> None:
    with pytest.raises(ValueError, match="depth"):
        PctPicker(random.Random(0), depth=0, length=3)


def test_coverage_guided_prefers_a_choice_that_reaches_an_unseen_state() -> None:
    c = _fresh()
    apply(c, STEP)  # choices now: STEP (partition), deliver 1, deliver 2
    seen: set[int] = set()
    for ch in (STEP, 1):
        d = c.copy()
        apply(d, ch)
        seen.add(state_hash(d))
    for seed in range(20):
        assert CoveragePicker(random.Random(seed), seen).pick(c) == 2


def test_state_hash_ignores_message_ids_but_not_queue_contents() -> None:
    c = _fresh()
    apply(c, STEP)
    d = c.copy()
    apply(c, 1)
    apply(d, 2)
    assert state_hash(c) != state_hash(d)
    e = c.copy()
    assert state_hash(e) == state_hash(c)


@pytest.mark.parametrize("order", ["bfs", "dfs"])
@pytest.mark.parametrize("prune", [True, False])
def test_enumeration_reaches_every_final_state(order: str, prune: bool) -> None:
    finals: set[tuple[Any, ...]] = set()
    leaves: list[list[int]] = []

    def leaf(path: list[int], c: Cluster, failed: Any) -> bool:
        assert c.quiescent
        finals.add(c.fingerprint())
        leaves.append(path)
        return False

    seen: dict[int, int] = {}
    assert enumerate_schedules(_fresh(), order, None, prune, seen, leaf, lambda: False)
    assert finals == _all_finals(_fresh())
    for path in leaves:  # every reported schedule replays to a quiescent state
        c = _fresh()
        for ch in path:
            assert apply(c, ch)
        assert c.quiescent


def test_pruning_visits_the_same_states_with_far_fewer_schedules() -> None:
    counts = {}
    for prune in (True, False):
        seen: dict[int, int] = {}
        leaves: list[list[int]] = []

        def leaf(path: list[int], c: Cluster, failed: Any, out: list[list[int]] = leaves) -> bool:
            out.append(path)
            return False

        enumerate_schedules(_fresh(), "bfs", None, prune, seen, leaf, lambda: False)
        counts[prune] = (len(seen), len(leaves))
    assert counts[True][0] == counts[False][0]
    assert counts[True][1] < counts[False][1]


def test_depth_limit_completes_longer_schedules_with_fifo() -> None:
    paths: list[list[int]] = []

    def leaf(path: list[int], c: Cluster, failed: Any) -> bool:
        paths.append(path)
        return False

    enumerate_schedules(_fresh(), "bfs", 0, False, {}, leaf, lambda: False)
    assert paths == [_run(FifoPicker())]
    paths.clear()
    enumerate_schedules(_fresh(), "bfs", 2, False, {}, leaf, lambda: False)
    prefixes = {tuple(p[:2]) for p in paths}
    assert prefixes == {(STEP, STEP), (STEP, 1), (STEP, 2)}
    for p in paths:
        c = _fresh()
        for ch in p[:2]:
            apply(c, ch)
        rest = p[2:]
        for ch in rest:
            assert ch == fifo_choice(c)
            apply(c, ch)


def test_enumeration_reports_assertion_failures_as_leaves_and_can_stop() -> None:
    steps = [{"type": "client_put", "node": "a", "key": "k", "value": "1"},
             {"type": "client_get_assert", "node": "c", "key": "k", "equals": "1"}]
    failures: list[list[int]] = []

    def leaf(path: list[int], c: Cluster, failed: Any) -> bool:
        if failed is not None:
            failures.append(path)
            return True
        return False

    done = enumerate_schedules(_fresh(steps), "dfs", None, True, {}, leaf, lambda: False)
    assert not done
    c = _fresh(steps)
    with pytest.raises(AssertFailed):
        for ch in failures[0]:
            apply(c, ch)


def test_enumeration_stops_when_out_of_time() -> None:
    assert not enumerate_schedules(_fresh(), "bfs", None, True, {}, lambda *a: False,
                                   lambda: True)
