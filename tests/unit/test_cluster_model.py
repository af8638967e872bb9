"""The simulated cluster: replication, last-writer-wins, lossy network, durable crash."""

from __future__ import annotations

from typing import Any

import pytest

from workers.cluster.model import AssertFailed, Cluster, ClusterError, compile_steps


def _cluster(steps: list[dict[str, Any]], nodes: tuple[str, ...] = ("a", "b", "c")) -> Cluster:
    c = Cluster(list(nodes), compile_steps(steps, list(nodes)))
    c.log = []
    return c


def _run_all_steps(c: Cluster) -> None:
    while c.steps_left:
        c.run_step()


def _put(node: str, key: str, value: str) -> dict[str, Any]:
    return {"type": "client_put", "node": node, "key": key, "value": value}


def test_put_writes_locally_and_sends_to_every_other_node_in_name_order() -> None:
    c = _cluster([_put("b", "k", "v")], nodes=("c", "b", "a"))
    c.run_step()
    assert c.value("b", "k") == "v"
    assert c.value("a", "k") is None
    sent = [(m.id, m.src, m.dst, m.version) for m in c.queue]
    assert sent == [(1, "b", "a", 1), (2, "b", "c", 1)]


def test_delivery_applies_the_replicated_value_and_version() -> None:
    c = _cluster([_put("a", "k", "v1"), _put("a", "k", "v2")])
    _run_all_steps(c)
    assert [m.version for m in c.queue] == [1, 1, 2, 2]
    c.deliver_at(2)  # v2 to b first
    c.deliver_at(0)  # then the older v1 to b: must not overwrite
    assert c.value("b", "k") == "v2"
    assert c.kv["b"]["k"] == ("v2", 2, "a")


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0), (1, 3, 0, 2)])
def test_concurrent_equal_versions_converge_by_origin_in_any_delivery_order(
    order: tuple[int, ...]
) -> None:
    c = _cluster([_put("a", "k", "from-a"), _put("c", "k", "from-c")])
    _run_all_steps(c)
    ids = [c.queue[i].id for i in order]
    for mid in ids:
        c.deliver_at(c.index_of(mid))
    assert {c.value(n, "k") for n in c.names} == {"from-c"}


def test_partition_drops_messages_in_flight_and_messages_sent_across_it() -> None:
    c = _cluster([_put("a", "k", "1"), {"type": "partition", "a": "c", "b": "a"},
                  _put("a", "k", "2"), {"type": "heal", "a": "a", "b": "c"},
                  _put("a", "k", "3")])
    c.run_step()
    c.run_step()
    assert [(m.src, m.dst) for m in c.queue] == [("a", "b")]
    c.run_step()
    assert [(m.dst, m.value) for m in c.queue] == [("b", "1"), ("b", "2")]
    c.run_step()
    c.run_step()
    assert [(m.dst, m.value) for m in c.queue][-2:] == [("b", "3"), ("c", "3")]
    dropped = [e["fields"] for e in c.log or [] if e["name"] == "drop"]
    assert [(d["id"], d["reason"]) for d in dropped] == [(2, "partitioned"), (4, "partitioned")]


def test_message_ids_depend_on_the_script_alone() -> None:
    """Dropped sends still take an id, so id N names the same message in every schedule."""
    c = _cluster([{"type": "crash", "node": "c"}, _put("a", "k", "1"), _put("b", "k", "2")])
    _run_all_steps(c)
    assert [(m.id, m.src, m.dst) for m in c.queue] == [(1, "a", "b"), (3, "b", "a")]


def test_crash_loses_in_flight_messages_but_keeps_the_kv_store() -> None:
    c = _cluster([_put("a", "k", "1"), _put("b", "j", "2"), {"type": "crash", "node": "b"},
                  _put("b", "k", "ignored"), {"type": "restart", "node": "b"}])
    c.run_step()
    c.run_step()
    c.deliver_at(c.index_of(1))  # a -> b delivered before the crash
    c.run_step()
    assert [(m.src, m.dst) for m in c.queue] == [("a", "c")]
    c.run_step()
    assert c.value("b", "k") == "1"
    assert not c.queue[1:]
    c.run_step()
    assert c.running["b"]
    assert c.value("b", "k") == "1"
    assert c.value("b", "j") == "2"


def test_get_assert_checks_local_state_and_skips_crashed_nodes() -> None:
    c = _cluster([
        _put("a", "k", "1"),
        {"type": "client_get_assert", "node": "a", "key": "k", "equals": "1"},
        {"type": "client_get_assert", "node": "b", "key": "k", "is_null": True},
        {"type": "crash", "node": "c"},
        {"type": "client_get_assert", "node": "c", "key": "k"},
        {"type": "client_get_assert", "node": "b", "key": "k"},
    ])
    for _ in range(5):
        c.run_step()
    with pytest.raises(AssertFailed) as e:
        c.run_step()
    assert e.value.finding == {"kind": "assertion", "title": "client_get_assert",
                               "message": "expected b.k to exist, got None"}


def test_get_assert_equals_failure_names_node_key_and_actual() -> None:
    c = _cluster([_put("a", "k", "1"),
                  {"type": "client_get_assert", "node": "a", "key": "k", "equals": "2"}])
    c.run_step()
    with pytest.raises(AssertFailed, match=r'expected a\.k == "2", got Some\("1"\)'):
        c.run_step()


def test_tick_moves_the_clock_and_deliveries_take_a_millisecond() -> None:
    c = _cluster([{"type": "tick", "duration": "5ms"}, _put("a", "k", "1")])
    _run_all_steps(c)
    c.deliver_at(0)
    assert c.clock_ms == 6


@pytest.mark.parametrize(("step", "needle"), [
    (_put("x", "k", "v"), 'unknown node "x"'),
    ({"type": "partition", "a": "a", "b": "zz"}, 'unknown node "zz"'),
    ({"type": "tick", "duration": "5 parsecs"}, "invalid duration"),
    ({"type": "teleport", "node": "a"}, "unknown distributed step type"),
])
def test_compile_rejects_what_a_run_could_not_do(step: dict[str, Any], needle: str) -> None:
    with pytest.raises(ClusterError, match=needle):
        compile_steps([step], ["a", "b"])


def test_copy_is_independent_and_fingerprint_tracks_state() -> None:
    c = _cluster([_put("a", "k", "1")])
    c.run_step()
    d = c.copy()
    assert d.fingerprint() == c.fingerprint()
    d.deliver_at(0)
    assert c.value("b", "k") is None
    assert d.fingerprint() != c.fingerprint()
