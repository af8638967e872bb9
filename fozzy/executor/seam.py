"""The executor seam: what a mode needs from whatever runs its items, and the one factory
that picks the backend (the local forked pool, or a Dask cluster with `--dask`).

Modes never construct a backend themselves, so every scenario execution takes the same path
with the same limits (ARCHITECTURE rule 1) whichever machine runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, Self

from workers.sandbox import item_timeout_ms
from workers.supervise import DEFAULT_GRACE_MS, DeadlineFn


class Executor(Protocol):
    """Runs items (scenario specs, fuzz/explore batches) on sandbox workers.

    `run` yields `(index, result)` once per item in completion order; an item whose worker
    hung or died gets a synthesized `timeout`/`crash` result, never an exception. `jobs` is
    how many items can run at once (modes size batches by it). `meanwhile` is called once, when
    the first items are on their way and before waiting on them.
    """

    @property
    def jobs(self) -> int: ...

    def run(
        self,
        items: list[dict[str, Any]],
        *,
        batch_size: int = 1,
        op: str = "run",
        deadline_ms: DeadlineFn = item_timeout_ms,
        depth: int = 1,
        shared: dict[str, Any] | None = None,
        meanwhile: Callable[[], object] | None = None,
    ) -> Iterator[tuple[int, dict[str, Any]]]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


def make_executor(
    jobs: int,
    *,
    dask: str | None = None,
    grace_ms: int = DEFAULT_GRACE_MS,
    restart_budget: int | None = None,
    mem_limit_mb: int | None = None,
) -> Executor:
    """The local pool of `jobs` workers, or with `dask` (a scheduler address, `local` or
    `local:N`) a client of that cluster, whose worker threads then set how many items run at
    once (`jobs` is ignored)."""
    if dask:
        from fozzy import startup
        from fozzy.executor.dask import DaskExecutor

        startup.resume()  # a cluster's client forks nothing: start-up ends here
        return DaskExecutor(dask, grace_ms=grace_ms, restart_budget=restart_budget,
                            mem_limit_mb=mem_limit_mb)
    from fozzy.executor.pool import WorkerPool

    return WorkerPool(jobs, grace_ms=grace_ms, restart_budget=restart_budget,
                      mem_limit_mb=mem_limit_mb)
