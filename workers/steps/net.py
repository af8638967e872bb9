"""Simulated network steps: partitions, drop rate, reordering, send, deliver, receive.

The only RNG draws are the ones the reference makes, in its order: the random pick (random
strategy only) and then the drop sample (drop rate > 0 only). Both outcomes are logged as
decisions, `net_deliver_pick` then `net_drop`; `net_drop` is logged for every delivery,
`dropped: false` when no sample was drawn, so a trace shows each delivery's fate explicitly.
"""

from __future__ import annotations

from workers.engine.findings import assertion, checker
from workers.engine.net import pair
from workers.engine.quote import q
from workers.engine.runtime import Runtime
from workers.steps.registry import CheckError, Role, Step, T, opt, req, step

_PAIR = (req("a", T.STR), req("b", T.STR))


@step(
    "net_partition",
    *_PAIR,
    example={"type": "net_partition", "a": "n1", "b": "n2"},
    notes="the pair is unordered; queued messages stay queued until healed",
)
def net_partition(rt: Runtime, s: Step) -> None:
    rt.net.partitions.add(pair(s["a"], s["b"]))


@step("net_heal", *_PAIR, example={"type": "net_heal", "a": "n1", "b": "n2"})
def net_heal(rt: Runtime, s: Step) -> None:
    rt.net.partitions.discard(pair(s["a"], s["b"]))


def _rate_error(rate: float) -> str | None:
    return None if 0 <= rate <= 1 else f"invalid drop rate {rate}; expected [0,1]"


def _check_rate(s: Step) -> None:
    message = _rate_error(s["rate"])
    if message is not None:
        raise CheckError("rate", message)


@step(
    "net_set_drop_rate",
    req("rate", T.NUMBER, Role.INPUT),
    check=_check_rate,
    example={"type": "net_set_drop_rate", "rate": 0.1},
    notes="rate within [0,1]; each delivery is dropped with this probability",
)
def net_set_drop_rate(rt: Runtime, s: Step) -> None:
    message = _rate_error(s["rate"])
    if message is not None:
        raise checker("net_drop_rate", message)
    rt.net.drop_rate = float(s["rate"])


@step(
    "net_set_reorder",
    req("enabled", T.BOOL, Role.INPUT),
    example={"type": "net_set_reorder", "enabled": True},
    notes="true makes random the default delivery strategy",
)
def net_set_reorder(rt: Runtime, s: Step) -> None:
    rt.net.reorder = s["enabled"]


@step(
    "net_send",
    req("from", T.STR),
    req("to", T.STR),
    req("payload", T.STR, Role.INPUT),
    example={"type": "net_send", "from": "n1", "to": "n2", "payload": "ping"},
    notes="queues the message; partitions apply at delivery",
)
def net_send(rt: Runtime, s: Step) -> None:
    msg = rt.net.send(s["from"], s["to"], s["payload"])
    rt.emit("net_send", msg.fields())
    rt.emit(
        "capability_net",
        {"duration_ms": 0, "op": "send", "payload_bytes": msg.payload_size},
    )


def _random_strategy(rt: Runtime, strategy: str | None) -> bool:
    if strategy is None:
        return rt.net.reorder
    return strategy.lower() == "random"


@step(
    "net_deliver_one",
    opt("strategy", T.STR, Role.INPUT),
    example={"type": "net_deliver_one", "strategy": "fifo"},
    notes="strategy `random` (case-insensitive) picks at random; any other value is FIFO",
)
def net_deliver_one(rt: Runtime, s: Step) -> None:
    net = rt.net
    deliverable = net.deliverable()
    if not deliverable:
        raise assertion("net_deliver", "no deliverable network message")
    if _random_strategy(rt, s["strategy"]):
        msg = deliverable[rt.rng.u64() % len(deliverable)]
    else:
        msg = deliverable[0]
    rt.decide({"kind": "net_deliver_pick", "message_id": msg.id})
    net.take(msg)
    # Exact comparison: the sample u64 / 2**64 < rate, without float rounding of the sample.
    dropped = net.drop_rate > 0 and rt.rng.u64() < net.drop_rate * 2.0**64
    rt.decide({"kind": "net_drop", "message_id": msg.id, "dropped": dropped})
    if dropped:
        rt.emit("net_drop", msg.fields())
        return
    net.deliver(msg)
    rt.emit("net_deliver", msg.fields())
    rt.emit(
        "capability_net",
        {"duration_ms": 0, "op": "deliver", "payload_bytes": msg.payload_size},
    )


@step(
    "net_recv_assert",
    req("node", T.STR),
    opt("from", T.STR, Role.ORACLE),
    req("payload", T.STR, Role.ORACLE),
    example={"type": "net_recv_assert", "node": "n2", "from": "n1", "payload": "ping"},
    notes="consumes the first matching inbox message",
)
def net_recv_assert(rt: Runtime, s: Step) -> None:
    if rt.net.receive(s["node"], s["payload"], s["from"]) is None:
        raise assertion(
            "net_recv_assert",
            f"no matching inbox message for node {q(s['node'])} payload {q(s['payload'])}",
        )
