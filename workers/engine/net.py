"""The simulated network: one message queue, an inbox per node, and unordered partitions.

Nothing here touches a socket. Delivery order and drops are the only sources of
nondeterminism, and the step handlers resolve both through the run RNG and log them as
decisions, so a trace replays the same deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    src: str
    dst: str
    payload: str

    @property
    def payload_size(self) -> int:
        return len(self.payload.encode())

    def fields(self) -> dict[str, object]:
        """Event fields (keys sorted) that identify a message without repeating its payload."""
        return {"from": self.src, "id": self.id, "payload_size": self.payload_size, "to": self.dst}


def pair(a: str, b: str) -> tuple[str, str]:
    """A partition pair is unordered: (a, b) and (b, a) must land on the same key."""
    return (a, b) if a <= b else (b, a)


NetState = tuple[
    list[Message], dict[str, list[Message]], set[tuple[str, str]], int, float, bool
]


class NetSim:
    __slots__ = ("drop_rate", "inbox", "next_id", "partitions", "queue", "reorder")

    def __init__(self) -> None:
        self.queue: list[Message] = []
        self.inbox: dict[str, list[Message]] = {}
        self.partitions: set[tuple[str, str]] = set()
        self.next_id = 1
        self.drop_rate = 0.0
        self.reorder = False

    def send(self, src: str, dst: str, payload: str) -> Message:
        """Queue a message; partitions are not consulted until delivery."""
        msg = Message(self.next_id, src, dst, payload)
        self.next_id += 1
        self.queue.append(msg)
        return msg

    def deliverable(self) -> list[Message]:
        """Queued messages, in queue order, whose endpoints are not partitioned."""
        return [m for m in self.queue if pair(m.src, m.dst) not in self.partitions]

    def take(self, msg: Message) -> None:
        self.queue.remove(msg)

    def deliver(self, msg: Message) -> None:
        self.inbox.setdefault(msg.dst, []).append(msg)

    def receive(self, node: str, payload: str, src: str | None) -> Message | None:
        """Remove and return the first inbox message of `node` that matches, if any."""
        box = self.inbox.get(node, [])
        for i, m in enumerate(box):
            if m.payload == payload and (src is None or m.src == src):
                return box.pop(i)
        return None

    def queue_length(self) -> int:
        return len(self.queue)

    def checkpoint(self) -> NetState:
        return (
            list(self.queue),
            {k: list(v) for k, v in self.inbox.items()},
            set(self.partitions),
            self.next_id,
            self.drop_rate,
            self.reorder,
        )

    def restore(self, saved: NetState) -> None:
        queue, inbox, partitions, self.next_id, self.drop_rate, self.reorder = saved
        self.queue = list(queue)
        self.inbox = {k: list(v) for k, v in inbox.items()}
        self.partitions = set(partitions)
