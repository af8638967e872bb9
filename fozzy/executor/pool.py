"""The local worker pool: the coordinator's forked sandbox workers.

Supervision itself (deadlines, tree kills, RSS checks, exit -> `crash`) is
`workers.supervise.Supervisor`, shared with the Dask task; this adds what only the
coordinator has — its error tree (exit codes) and its diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable

from fozzy import diag, startup
from fozzy.errors import FozzyError
from workers.proctree import kill_tree
from workers.sandbox import WorkerSlot, item_label, item_timeout_ms, synthetic_result
from workers.supervise import DEFAULT_GRACE_MS, PREFETCH_MAX_BYTES, DeadlineFn, Supervisor

__all__ = [
    "DEFAULT_GRACE_MS",
    "PREFETCH_MAX_BYTES",
    "DeadlineFn",
    "PoolError",
    "WorkerPool",
    "item_label",
    "item_timeout_ms",
    "kill_tree",
    "synthetic_result",
]


class PoolError(FozzyError):
    """The pool cannot make progress (restart budget exhausted, worker failed to start)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "executor error")


class WorkerPool(Supervisor):
    """`jobs` forked worker processes; use as a context manager so nothing outlives it."""

    error = PoolError

    def debug(self, message: Callable[[], str]) -> None:
        diag.debug(message)

    def _spawn(self) -> WorkerSlot:
        startup.resume()  # start-up ends with the first fork, and a worker must collect
        return super()._spawn()
