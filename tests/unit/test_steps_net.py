"""net_* steps through the real engine: queueing, partitions, delivery strategies, drops."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.enginekit import run, titles
from workers.engine.rng import Rng
from workers.steps.parse import parse_step
from workers.steps.registry import CheckError, Role, registry


def send(src: str, dst: str, payload: str) -> dict[str, Any]:
    return {"type": "net_send", "from": src, "to": dst, "payload": payload}


def recv(node: str, payload: str, src: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "net_recv_assert", "node": node, "payload": payload}
    if src is not None:
        s["from"] = src
    return s


DELIVER = {"type": "net_deliver_one"}


def net_decisions(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in r["decisions"] if d["kind"] in ("net_deliver_pick", "net_drop")]


def events(r: dict[str, Any], *names: str) -> list[dict[str, Any]]:
    return [e for e in r["events"] if e["name"] in names]


def test_worked_example_partition_is_unordered_and_heal_restores_delivery() -> None:
    steps = [
        send("a", "b", "ping"),
        send("a", "b", "pong"),
        {"type": "net_partition", "a": "b", "b": "a"},
        {"type": "assert_throws", "steps": [DELIVER]},
        {"type": "net_heal", "a": "a", "b": "b"},
        {"type": "net_deliver_one", "strategy": "fifo"},
        recv("b", "ping", "a"),
    ]
    r = run(steps)
    assert r["status"] == "pass", r["findings"]
    assert r["executed"] == 7
    assert net_decisions(r) == [
        {"kind": "net_deliver_pick", "message_id": 1},
        {"kind": "net_drop", "message_id": 1, "dropped": False},
    ]


def test_partition_blocks_both_directions_and_leaves_queue_intact() -> None:
    r = run([send("b", "a", "x"), {"type": "net_partition", "a": "a", "b": "b"}, DELIVER])
    assert r["status"] == "fail"
    assert r["findings"] == [
        {"kind": "assertion", "title": "net_deliver", "message": "no deliverable network message"}
    ]
    # Only the partitioned pair is blocked: another pair's message is still delivered.
    r = run([
        send("a", "b", "blocked"), send("a", "c", "free"),
        {"type": "net_partition", "a": "b", "b": "a"}, DELIVER, recv("c", "free", "a"),
        {"type": "net_heal", "a": "b", "b": "a"}, DELIVER, recv("b", "blocked"),
    ])
    assert r["status"] == "pass", r["findings"]
    assert [d["message_id"] for d in net_decisions(r)[::2]] == [2, 1]


def test_heal_of_unknown_pair_is_a_no_op() -> None:
    r = run([{"type": "net_heal", "a": "x", "b": "y"}, send("x", "y", "m"), DELIVER])
    assert r["status"] == "pass"


def test_deliver_on_empty_queue_fails() -> None:
    r = run([DELIVER, {"type": "trace_event", "name": "never"}])
    assert titles(r) == ["net_deliver"]
    assert not events(r, "never")


def test_send_events_ids_and_no_decisions() -> None:
    r = run([send("a", "b", "héllo"), send("b", "a", "")])
    assert r["status"] == "pass"
    assert [e["fields"] for e in events(r, "net_send")] == [
        {"from": "a", "id": 1, "payload_size": 6, "to": "b"},
        {"from": "b", "id": 2, "payload_size": 0, "to": "a"},
    ]
    assert [e["fields"] for e in events(r, "capability_net")] == [
        {"duration_ms": 0, "op": "send", "payload_bytes": 6},
        {"duration_ms": 0, "op": "send", "payload_bytes": 0},
    ]
    assert [d["kind"] for d in r["decisions"]] == ["scheduler_pick"] * 2


def test_fifo_delivers_in_send_order_without_rng_draws() -> None:
    payloads = ["m1", "m2", "m3"]
    steps: list[dict[str, Any]] = [send("a", "b", p) for p in payloads]
    steps += [{"type": "net_set_reorder", "enabled": True}]
    steps += [{"type": "net_deliver_one", "strategy": "anything-not-random"}] * 3
    steps += [{"type": "rand_u64"}]
    r = run(steps, seed=11)
    assert r["status"] == "pass"
    assert [e["fields"]["id"] for e in events(r, "net_deliver")] == [1, 2, 3]
    # No draw was spent on delivery: rand_u64 gets the stream's first value.
    assert r["decisions"][-1] == {"kind": "rand_u64", "value": Rng(11).u64()}
    assert [e["fields"] for e in events(r, "capability_net")][-1] == {
        "duration_ms": 0, "op": "deliver", "payload_bytes": 2
    }


@pytest.mark.parametrize(
    "deliver",
    [
        [{"type": "net_deliver_one", "strategy": "RaNdOm"}],
        [{"type": "net_set_reorder", "enabled": True}, {"type": "net_deliver_one"}],
    ],
)
def test_random_pick_uses_one_draw_modulo_deliverable(deliver: list[dict[str, Any]]) -> None:
    steps = [send("a", "b", f"m{i}") for i in range(5)] + deliver
    for seed in range(20):
        r = run(steps, seed=seed)
        expected = Rng(seed).u64() % 5 + 1
        assert net_decisions(r)[0] == {"kind": "net_deliver_pick", "message_id": expected}


def test_random_pick_only_among_deliverable_messages() -> None:
    steps = [send("a", "b", "x"), send("a", "c", "y"), send("a", "b", "z"),
             {"type": "net_partition", "a": "a", "b": "b"},
             {"type": "net_deliver_one", "strategy": "random"}]
    for seed in range(10):
        assert net_decisions(run(steps, seed=seed))[0]["message_id"] == 2


def test_random_order_varies_with_seed_and_is_stable_per_seed() -> None:
    steps = [send("a", "b", f"m{i}") for i in range(6)]
    steps += [{"type": "net_deliver_one", "strategy": "random"}] * 6
    orders = set()
    for seed in range(12):
        r1, r2 = run(steps, seed=seed), run(steps, seed=seed)
        assert r1["decisions"] == r2["decisions"] and r1["events"] == r2["events"]
        order = tuple(d["message_id"] for d in net_decisions(r1)[::2])
        assert sorted(order) == [1, 2, 3, 4, 5, 6]
        orders.add(order)
    assert len(orders) > 1


def test_reorder_false_restores_fifo_default() -> None:
    steps = [send("a", "b", f"m{i}") for i in range(4)]
    steps += [{"type": "net_set_reorder", "enabled": True},
              {"type": "net_set_reorder", "enabled": False}] + [DELIVER] * 4
    for seed in range(5):
        ids = [d["message_id"] for d in net_decisions(run(steps, seed=seed))[::2]]
        assert ids == [1, 2, 3, 4]


def test_drop_rate_one_drops_everything_and_the_step_succeeds() -> None:
    steps = [send("a", "b", "p"), send("a", "b", "q"),
             {"type": "net_set_drop_rate", "rate": 1}, DELIVER, DELIVER]
    r = run(steps)
    assert r["status"] == "pass"
    assert net_decisions(r) == [
        {"kind": "net_deliver_pick", "message_id": 1},
        {"kind": "net_drop", "message_id": 1, "dropped": True},
        {"kind": "net_deliver_pick", "message_id": 2},
        {"kind": "net_drop", "message_id": 2, "dropped": True},
    ]
    assert [e["fields"] for e in events(r, "net_drop")] == [
        {"from": "a", "id": 1, "payload_size": 1, "to": "b"},
        {"from": "a", "id": 2, "payload_size": 1, "to": "b"},
    ]
    assert not events(r, "net_deliver")
    lost = run([*steps, recv("b", "p")])
    assert titles(lost) == ["net_recv_assert"]
    # The dropped messages left the queue.
    assert titles(run([*steps, DELIVER])) == ["net_deliver"]


def test_drop_rate_zero_never_draws() -> None:
    steps = [send("a", "b", "p"), {"type": "net_set_drop_rate", "rate": 0.0}, DELIVER,
             {"type": "rand_u64"}]
    r = run(steps, seed=5)
    assert net_decisions(r)[1]["dropped"] is False
    assert r["decisions"][-1]["value"] == Rng(5).u64()


def test_partial_drop_rate_follows_the_sample() -> None:
    steps = [send("a", "b", "p"), {"type": "net_set_drop_rate", "rate": 0.5},
             {"type": "net_deliver_one", "strategy": "random"}]
    outcomes = set()
    for seed in range(30):
        rng = Rng(seed)
        rng.u64()  # the random pick
        expected = rng.u64() < 0.5 * 2**64
        dropped = net_decisions(run(steps, seed=seed))[1]["dropped"]
        assert dropped is expected
        outcomes.add(dropped)
    assert outcomes == {True, False}


@pytest.mark.parametrize("rate", [-0.1, 1.5, 2])
def test_invalid_drop_rate_is_rejected_by_check_and_at_run_time(rate: float) -> None:
    s = parse_step({"type": "net_set_drop_rate", "rate": rate}, "/steps/0")
    check = registry()["net_set_drop_rate"].check
    assert check is not None
    with pytest.raises(CheckError) as err:
        check(s)
    assert err.value.field == "rate"
    assert err.value.message == f"invalid drop rate {rate}; expected [0,1]"
    r = run([{"type": "net_set_drop_rate", "rate": rate}])
    assert r["findings"] == [
        {"kind": "checker", "title": "net_drop_rate",
         "message": f"invalid drop rate {rate}; expected [0,1]"}
    ]


@pytest.mark.parametrize("rate", [0, 0.25, 1, 1.0])
def test_valid_drop_rates_pass_check(rate: float) -> None:
    check = registry()["net_set_drop_rate"].check
    assert check is not None
    check(parse_step({"type": "net_set_drop_rate", "rate": rate}, "/steps/0"))


def test_recv_assert_matches_payload_and_sender_and_consumes() -> None:
    base = [send("a", "b", "x"), send("c", "b", "x"), DELIVER, DELIVER]
    assert run([*base, recv("b", "x", "c"), recv("b", "x", "a")])["status"] == "pass"
    assert run([*base, recv("b", "x"), recv("b", "x")])["status"] == "pass"
    r = run([*base, recv("b", "x"), recv("b", "x"), recv("b", "x")])
    assert r["findings"] == [{
        "kind": "assertion", "title": "net_recv_assert",
        "message": 'no matching inbox message for node "b" payload "x"',
    }]
    assert titles(run([*base, recv("b", "x", "z")])) == ["net_recv_assert"]
    assert titles(run([*base, recv("a", "x")])) == ["net_recv_assert"]
    assert titles(run([*base, recv("b", "X")])) == ["net_recv_assert"]


def test_recv_before_delivery_fails() -> None:
    assert titles(run([send("a", "b", "x"), recv("b", "x")])) == ["net_recv_assert"]


def test_assert_throws_rolls_back_the_whole_net_state() -> None:
    inner = [
        send("a", "b", "inner"),
        {"type": "net_set_drop_rate", "rate": 1},
        {"type": "net_set_reorder", "enabled": True},
        {"type": "net_partition", "a": "a", "b": "c"},
        {"type": "net_deliver_one", "strategy": "random"},
        {"type": "fail", "message": "x"},
    ]
    steps = [send("a", "c", "outer"), {"type": "assert_throws", "steps": inner},
             DELIVER, recv("c", "outer", "a"), DELIVER]
    r = run(steps, seed=3)
    # Partition, drop rate and the queued inner message are gone; ids restart where they were.
    assert titles(r) == ["net_deliver"]
    assert [e["fields"]["id"] for e in events(r, "net_deliver")] == [1]
    assert net_decisions(r) == [
        {"kind": "net_deliver_pick", "message_id": 1},
        {"kind": "net_drop", "message_id": 1, "dropped": False},
    ]
    after = run([{"type": "assert_throws", "steps": inner}, send("a", "b", "m"),
                 {"type": "rand_u64"}], seed=3)
    assert events(after, "net_send")[0]["fields"]["id"] == 1
    assert after["decisions"][-1]["value"] == Rng(3).u64()


def test_same_seed_same_run() -> None:
    steps = [send("a", "b", f"m{i}") for i in range(8)]
    steps += [{"type": "net_set_drop_rate", "rate": 0.3},
              {"type": "net_set_reorder", "enabled": True}] + [DELIVER] * 8
    r1, r2, r3 = run(steps, seed=42), run(steps, seed=42), run(steps, seed=43)
    for key in ("status", "events", "decisions", "findings"):
        assert r1[key] == r2[key]
    assert net_decisions(r1) != net_decisions(r3)


def test_field_roles_keep_oracles_out_of_fuzzing() -> None:
    reg = registry()
    roles = {(name, f.name): f.role for name in reg for f in reg[name].fields
             if name.startswith("net_")}
    assert roles[("net_send", "payload")] is Role.INPUT
    assert roles[("net_recv_assert", "payload")] is Role.ORACLE
    assert roles[("net_recv_assert", "from")] is Role.ORACLE
    assert [f.name for f in reg["net_recv_assert"].fields] == ["node", "from", "payload"]


def test_replay_reproduces_deliveries_and_detects_a_changed_pick() -> None:
    steps = [send("a", "b", f"m{i}") for i in range(4)]
    steps += [{"type": "net_set_drop_rate", "rate": 0.5}] + [
        {"type": "net_deliver_one", "strategy": "random"}
    ] * 4
    recorded = run(steps, seed=9)
    replayed = run(steps, seed=9, replay={"decisions": recorded["decisions"]})
    assert replayed["status"] == recorded["status"] == "pass"
    assert replayed["events"] == recorded["events"]
    tampered = [dict(d) for d in recorded["decisions"]]
    pick = next(d for d in tampered if d["kind"] == "net_deliver_pick")
    pick["message_id"] = 99
    drifted = run(steps, seed=9, replay={"decisions": tampered})
    assert drifted["status"] == "fail"
    assert titles(drifted) == ["replay_drift"]
