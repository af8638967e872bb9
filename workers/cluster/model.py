"""The simulated cluster that `explore` drives: nodes, a lossy network and replication.

The model is deliberately a fire-and-forget replication protocol, because that is what makes
schedules matter:

* Each node keeps a durable KV store; every value carries `(version, origin)` and a write is
  applied on a node iff its `(version, origin)` is greater than the node's current one
  (last writer wins, origin name breaks version ties). Delivery order alone therefore never
  causes divergence: only a lost message does.
* `client_put` writes locally and sends one `kv_repl` message to every other node, in sorted
  name order. Every send takes the next message id, even when the message is lost at once, so
  ids depend on the script alone and a schedule (a list of ids) means the same thing in every
  run of the same scenario.
* A message is lost when it is sent to a crashed node or across a partition, when a partition
  cuts the link it is in flight on, or when its sender or receiver crashes. Nothing is held
  back or retried, so everything still queued is always deliverable.
* Script steps and deliveries interleave: the schedule decides at each choice point whether
  to run the next script step or deliver one queued message (see `workers.cluster.schedule`).
"""

from __future__ import annotations

from typing import Any

from workers.engine.durations import parse_duration_ms
from workers.engine.findings import Finding, finding
from workers.engine.quote import opt, q

KIND_REPL = "kv_repl"

STEP_KINDS = ("client_put", "client_get_assert", "partition", "heal", "crash", "restart", "tick")

# Value, version, origin node: the version and origin order concurrent writes.
Entry = tuple[str, int, str]
Event = dict[str, Any]


class ClusterError(ValueError):
    """A cluster description that cannot run (unknown node, bad step); exit 2 upstream."""


class AssertFailed(Exception):
    """A `client_get_assert` that did not hold: an assertion finding, status `fail`."""

    def __init__(self, f: Finding) -> None:
        super().__init__(f["message"])
        self.finding = f


class Msg:
    """One replication message in flight. Immutable, so cluster copies share them."""

    __slots__ = ("dst", "id", "key", "origin", "src", "value", "version")

    def __init__(
        self, mid: int, src: str, dst: str, key: str, value: str, version: int, origin: str
    ) -> None:
        self.id = mid
        self.src = src
        self.dst = dst
        self.key = key
        self.value = value
        self.version = version
        self.origin = origin

    def shape(self) -> tuple[str, str, str, str, int, str]:
        """Everything but the id: two messages of the same shape behave the same."""
        return (self.src, self.dst, self.key, self.value, self.version, self.origin)


def compile_steps(steps: list[dict[str, Any]], nodes: list[str]) -> list[tuple[Any, ...]]:
    """Turn normalized step dicts into tuples once, rejecting what a run could not do.

    Every node a step names must be in `nodes`: after a `--nodes` override a step that names
    a node that no longer exists is bad input, never a silent no-op.
    """
    known = set(nodes)
    out: list[tuple[Any, ...]] = []
    for i, s in enumerate(steps):
        kind = s.get("type")
        where = f"step {i} ({kind})"
        if kind not in STEP_KINDS:
            raise ClusterError(f"{where}: unknown distributed step type {q(str(kind))}")
        for field in ("node", "a", "b"):
            name = s.get(field)
            if name is not None and name not in known:
                raise ClusterError(f"{where}: unknown node {q(str(name))}")
        if kind == "client_put":
            out.append((kind, s["node"], s["key"], s["value"]))
        elif kind == "client_get_assert":
            if s.get("equals") is not None and s.get("is_null") is True:
                raise ClusterError(f"{where}: cannot set both equals and is_null=true")
            out.append((kind, s["node"], s["key"], s.get("equals"), s.get("is_null") is True))
        elif kind in ("partition", "heal"):
            a, b = s["a"], s["b"]
            out.append((kind, (a, b) if a <= b else (b, a)))
        elif kind in ("crash", "restart"):
            out.append((kind, s["node"]))
        else:
            out.append((kind, _duration(s["duration"], where)))
    return out


def _duration(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ClusterError(f"{where}: duration must be a string like \"10ms\"")
    if isinstance(value, int):
        return value
    try:
        return parse_duration_ms(value)
    except ValueError as e:
        raise ClusterError(f"{where}: {e}") from None


class Cluster:
    """The whole mutable state of one schedule; `copy()` is what systematic search forks."""

    __slots__ = ("clock_ms", "cut", "kv", "log", "names", "next_id", "pos", "queue",
                 "running", "script")

    def __init__(self, names: list[str], script: list[tuple[Any, ...]]) -> None:
        self.names = sorted(set(names))
        self.script = script
        self.kv: dict[str, dict[str, Entry]] = {n: {} for n in self.names}
        self.running: dict[str, bool] = dict.fromkeys(self.names, True)
        self.cut: set[tuple[str, str]] = set()
        self.queue: list[Msg] = []
        self.next_id = 1
        self.pos = 0
        self.clock_ms = 0
        self.log: list[Event] | None = None

    def copy(self) -> Cluster:
        c = Cluster.__new__(Cluster)
        c.names = self.names
        c.script = self.script
        c.kv = {n: d.copy() for n, d in self.kv.items()}
        c.running = self.running.copy()
        c.cut = self.cut.copy()
        c.queue = self.queue.copy()
        c.next_id = self.next_id
        c.pos = self.pos
        c.clock_ms = self.clock_ms
        c.log = None
        return c

    @property
    def steps_left(self) -> bool:
        return self.pos < len(self.script)

    @property
    def quiescent(self) -> bool:
        return self.pos >= len(self.script) and not self.queue

    def value(self, node: str, key: str) -> str | None:
        entry = self.kv[node].get(key)
        return None if entry is None else entry[0]

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything that decides this state's future, message ids left out.

        Two states with the same fingerprint have the same reachable futures, which is what
        makes pruning by it sound. Node order is sorted, dict items are sorted.
        """
        return (
            self.pos,
            tuple((n, self.running[n], tuple(sorted(self.kv[n].items()))) for n in self.names),
            tuple(sorted(self.cut)),
            tuple(m.shape() for m in self.queue),
        )

    def _emit(self, name: str, fields: dict[str, Any]) -> None:
        if self.log is not None:
            self.log.append({"time_ms": self.clock_ms, "name": name,
                             "fields": dict(sorted(fields.items()))})

    # -- script steps ---------------------------------------------------------------------

    def run_step(self) -> None:
        """Run the next script step; raises AssertFailed for a failing `client_get_assert`."""
        st = self.script[self.pos]
        self.pos += 1
        kind = st[0]
        if kind == "client_put":
            self._put(st[1], st[2], st[3])
        elif kind == "client_get_assert":
            self._get_assert(st[1], st[2], st[3], st[4])
        elif kind == "partition":
            self._partition(st[1])
        elif kind == "heal":
            self.cut.discard(st[1])
            self._emit("heal", {"a": st[1][0], "b": st[1][1]})
        elif kind == "crash":
            self._crash(st[1])
        elif kind == "restart":
            self.running[st[1]] = True
            self._emit("restart", {"node": st[1]})
        else:
            self.clock_ms += st[1]
            self._emit("tick", {"duration_ms": st[1]})

    def _put(self, node: str, key: str, value: str) -> None:
        if not self.running[node]:
            self._emit("client_put_skipped", {"node": node, "key": key, "reason": "crashed"})
            return
        store = self.kv[node]
        old = store.get(key)
        version = 1 if old is None else old[1] + 1
        store[key] = (value, version, node)
        self._emit("client_put", {"node": node, "key": key, "version": version})
        for dst in self.names:
            if dst == node:
                continue
            msg = Msg(self.next_id, node, dst, key, value, version, node)
            self.next_id += 1
            if not self.running[dst]:
                self._drop(msg, "receiver crashed")
            elif ((node, dst) if node <= dst else (dst, node)) in self.cut:
                self._drop(msg, "partitioned")
            else:
                self.queue.append(msg)
                self._emit("send", {"id": msg.id, "from": node, "to": dst, "key": key})

    def _get_assert(self, node: str, key: str, equals: str | None, is_null: bool) -> None:
        if not self.running[node]:
            self._emit("client_get_skipped", {"node": node, "key": key, "reason": "crashed"})
            return
        actual = self.value(node, key)
        self._emit("client_get", {"node": node, "key": key})
        where = f"{node}.{key}"
        if is_null:
            if actual is not None:
                raise AssertFailed(
                    _assert_finding(f"expected {where} to be null, got {opt(actual)}"))
        elif equals is not None:
            if actual != equals:
                raise AssertFailed(
                    _assert_finding(f"expected {where} == {q(equals)}, got {opt(actual)}"))
        elif actual is None:
            raise AssertFailed(_assert_finding(f"expected {where} to exist, got None"))

    def _partition(self, pair: tuple[str, str]) -> None:
        self.cut.add(pair)
        self._emit("partition", {"a": pair[0], "b": pair[1]})
        a, b = pair
        self._lose(lambda m: (m.src == a and m.dst == b) or (m.src == b and m.dst == a),
                   "partitioned")

    def _crash(self, node: str) -> None:
        self.running[node] = False
        self._emit("crash", {"node": node})
        self._lose(lambda m: node in (m.src, m.dst), "node crashed")

    def _lose(self, hit: Any, reason: str) -> None:
        kept: list[Msg] = []
        for m in self.queue:
            if hit(m):
                self._drop(m, reason)
            else:
                kept.append(m)
        self.queue = kept

    def _drop(self, msg: Msg, reason: str) -> None:
        self._emit("drop", {"id": msg.id, "from": msg.src, "to": msg.dst, "key": msg.key,
                            "reason": reason})

    # -- deliveries -----------------------------------------------------------------------

    def index_of(self, mid: int) -> int:
        for i, m in enumerate(self.queue):
            if m.id == mid:
                return i
        return -1

    def deliver_at(self, index: int) -> Msg:
        """Deliver the queued message at `index`; every queued message is deliverable."""
        msg = self.queue.pop(index)
        self.clock_ms += 1
        store = self.kv[msg.dst]
        cur = store.get(msg.key)
        applied = cur is None or (msg.version, msg.origin) > (cur[1], cur[2])
        if applied:
            store[msg.key] = (msg.value, msg.version, msg.origin)
        if self.log is not None:
            self._emit("deliver", {"id": msg.id, "from": msg.src, "to": msg.dst, "kind": KIND_REPL,
                                   "key": msg.key, "applied": applied,
                                   "payload_size": len(msg.value.encode())})
        return msg


def _assert_finding(message: str) -> Finding:
    return finding("assertion", "client_get_assert", message)
