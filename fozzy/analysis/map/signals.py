"""The six risk signals of a source file, and the line heuristics used for non-Python files.

The line heuristics are the reference's (spec §6.1): non-overlapping needle counts on the
lower-cased line. They are crude by nature (a comment saying "thread" counts), which is why
Python files go through `python_signals` instead; other languages keep these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BRANCH = (" if ", " else ", " match ", " switch ", " case ", " catch ")
CONCURRENCY = (
    " async ", ".await", "thread", "mutex", "rwlock", "channel", "spawn", "tokio::", "select!",
    "goroutine", "go func",
)
EXTERNAL = (
    "http://", "https://", "grpc", "sql", "redis", "kafka", "rabbit", "nats", "s3",
    "command::new", "std::fs", "subprocess", "socket", "database", "postgres", "mysql",
    "mongodb",
)
FAILURE = (
    "timeout", "retry", "backoff", "circuit", "panic", "throw", "except", "rollback",
    "compensat", "fail", "error",
)
MEMORY = ("alloc", "free", "leak", "memory", "heap")
ENTRYPOINT = (
    "fn main", "main(", "applisten", "listen(", "router", "fastapi", "express(", "httpserver",
    "grpcserver", "deployment", "kind: service",
)


@dataclass
class Signals:
    """Counts for one file; `analysis` says how they were obtained (`ast` or `lines`)."""

    lines: int = 0
    branch: int = 0
    concurrency: int = 0
    external: int = 0
    failure: int = 0
    memory: int = 0
    entrypoint: int = 0
    analysis: str = "lines"

    def to_json(self) -> dict[str, Any]:
        return {
            "lineCount": self.lines,
            "branchSignals": self.branch,
            "concurrencySignals": self.concurrency,
            "externalSignals": self.external,
            "failureSignals": self.failure,
            "memorySignals": self.memory,
            "entrypointSignals": self.entrypoint,
        }


def _count(line: str, needles: tuple[str, ...]) -> int:
    return sum(line.count(n) for n in needles)


def line_signals(text: str) -> Signals:
    """The reference's needle counts over every line of `text`."""
    s = Signals()
    for raw in text.splitlines():
        s.lines += 1
        line = raw.lower()
        s.branch += _count(line, BRANCH)
        s.concurrency += _count(line, CONCURRENCY)
        s.external += _count(line, EXTERNAL)
        s.failure += _count(line, FAILURE)
        s.memory += _count(line, MEMORY)
        s.entrypoint += _count(line, ENTRYPOINT)
    return s
