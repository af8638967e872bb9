"""The Dask backend of the executor seam: the same items on a Dask cluster's workers.

Items travel in tasks of many items (per-task overhead on Dask is milliseconds, not the
microseconds of a local pipe), each task running `workers.remote.run_batch` through the
by-value bootstrap `dask_boot.run_remote`. Results come back as bytes and are yielded here,
so the coordinator stays the one writer. Tasks are impure (`pure=False`): doctor/ci repeat
identical items and must not collapse into one cached result. Shared fields are scattered to
every worker once per run.

Ops that read the coordinator's files (`load`: test's phase one reads, classifies and
validates the selected scenario files by path) run on a local pool instead: the files are
the coordinator's input, and the scenario documents then travel inside the items.

Worker loss: the scheduler moves a lost worker's tasks to the remaining ones, up to its
`allowed-failures` count; a task that still ends in `KilledWorker` is split into one task
per item, so only the item that keeps killing workers ends as `crash`. The scheduler blames
every task it had sent to the dead worker, also ones queued behind the running one
(`worker-saturation` above 1.0), so a single item is blamed only after `SINGLE_ATTEMPTS`
such rounds: an innocent neighbour of a killer gets to run again.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Generator
from typing import Any, Self

from fozzy.errors import ArgumentError
from fozzy.executor.dask_address import DaskTarget, parse_address
from fozzy.executor.pool import PoolError, WorkerPool
from workers import protocol
from workers.engine.findings import PANIC, finding
from workers.sandbox import item_label, item_timeout_ms, synthetic_result
from workers.supervise import DEFAULT_GRACE_MS, DeadlineFn

#: Seconds to wait for a scheduler (and its first worker) before `--dask` gives up.
CONNECT_TIMEOUT_S = 10.0
#: Tasks per worker thread a run is cut into (more balances load, fewer saves overhead).
TASKS_PER_THREAD = 4
#: Most items one task carries, so a lost worker costs little work to redo.
MAX_TASK_ITEMS = 2000
#: Restarts per worker thread before the run gives up, as in the local pool.
RESTARTS_PER_JOB = 4
#: Rounds of `KilledWorker` a one-item task may take before its item is `crash`.
SINGLE_ATTEMPTS = 2
#: Ops whose items name coordinator-side files; they run on a local pool.
LOCAL_OPS = frozenset({"load"})

INSTALL_HINT = "--dask needs the distributed package: pip install 'fozzy[dask]'"


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ArgumentError(INSTALL_HINT) from None
    return distributed


class DaskExecutor:
    """A client of one Dask cluster (connected, or started locally) for the run's lifetime."""

    def __init__(
        self,
        address: str,
        *,
        grace_ms: int = DEFAULT_GRACE_MS,
        restart_budget: int | None = None,
        mem_limit_mb: int | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
    ) -> None:
        target = parse_address(address)
        self._dd = _import_distributed()
        self.grace_ms = grace_ms
        self.mem_limit_mb = mem_limit_mb
        self.restarts = 0
        self._cluster: Any = None
        self._local: WorkerPool | None = None
        self._client = self._connect(address, target, connect_timeout_s)
        threads = self._client.nthreads()
        self.jobs: int = max(1, int(sum(threads.values())))
        self.workers: int = len(threads)  # Dask worker processes at connect time
        self.restart_budget = (RESTARTS_PER_JOB * self.jobs if restart_budget is None
                               else restart_budget)
        self._shared: dict[str, Any] | None = None
        self._shared_future: Any = None
        import cloudpickle

        from fozzy.executor import dask_boot, dask_watch

        cloudpickle.register_pickle_by_value(dask_boot)
        self._entry = dask_boot.run_remote
        self._view = dask_watch.announce(self._client)

    def _connect(self, text: str, target: DaskTarget, timeout: float) -> Any:
        logging.getLogger("distributed").setLevel(logging.ERROR)
        dd = self._dd
        try:
            if target.address is None:
                self._cluster = dd.LocalCluster(
                    n_workers=target.local_workers, threads_per_worker=1, processes=True,
                    dashboard_address=":0", silence_logs=logging.ERROR)
                return dd.Client(self._cluster, timeout=timeout)
            client = dd.Client(target.address, timeout=timeout)
        except (OSError, TimeoutError) as e:
            self._close_cluster()
            raise ArgumentError(
                f"--dask {text}: cannot reach the Dask scheduler within {timeout:g} s"
                f" ({type(e).__name__})") from None
        except Exception as e:  # e.g. tls:// without a security config: still one line
            self._close_cluster()
            detail = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ArgumentError(f"--dask {text}: cannot connect: {detail}") from None
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            client.close()
            raise ArgumentError(
                f"--dask {text}: the scheduler has no workers (waited {timeout:g} s)") from None
        return client

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None
        if self._client is not None:
            self._client.close()
            self._client = None
        self._close_cluster()

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def _scatter(self, shared: dict[str, Any] | None) -> Any:
        if shared is None:
            return None
        if shared is not self._shared:
            [self._shared_future] = self._client.scatter([shared], broadcast=True, hash=False)
            self._shared = shared
        return self._shared_future

    def _task_items(self, count: int, batch_size: int) -> int:
        wanted = math.ceil(count / (self.jobs * TASKS_PER_THREAD))
        return max(1, min(MAX_TASK_ITEMS, max(batch_size, wanted)))

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
    ) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """As `WorkerPool.run`: every item once, `(index, result)` in completion order."""
        if self._client is None:
            raise RuntimeError("executor is closed")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if depth not in (1, 2):
            raise ValueError("depth must be 1 or 2")
        if not items:
            return
        if op in LOCAL_OPS:
            yield from self._local_pool().run(items, batch_size=batch_size, op=op,
                                              deadline_ms=deadline_ms, depth=depth,
                                              shared=shared, meanwhile=meanwhile)
            return
        shared_ref = self._scatter(shared)
        if self._view is not None:
            self._view.submitted(len(items))
        deadlines = [deadline_ms(item) for item in items]

        def submit(indices: list[int]) -> Any:
            payload = protocol.encode({
                "op": op, "items": [items[i] for i in indices],
                "deadlines": [deadlines[i] for i in indices], "batch_size": batch_size,
                "depth": depth, "grace_ms": self.grace_ms, "mem_limit_mb": self.mem_limit_mb,
            })
            return self._client.submit(self._entry, payload, shared_ref, pure=False)

        size = self._task_items(len(items), batch_size)
        tasks = {submit(list(range(s, min(s + size, len(items))))): list(
            range(s, min(s + size, len(items)))) for s in range(0, len(items), size)}
        done = self._dd.as_completed(list(tasks))
        lost: dict[int, int] = {}  # KilledWorker rounds of each item run on its own
        try:
            if meanwhile is not None:
                meanwhile()
            for future in done:
                indices = tasks.pop(future)
                try:
                    answer = protocol.decode(future.result())
                except self._dd.KilledWorker:
                    for i in indices:
                        lost[i] = lost.get(i, 0) + 1 if len(indices) == 1 else 0
                    if len(indices) == 1 and lost[indices[0]] >= SINGLE_ATTEMPTS:
                        self._finished()
                        yield indices[0], self._killed(items[indices[0]])
                        continue
                    for i in indices:
                        again = submit([i])
                        tasks[again] = [i]
                        done.add(again)
                    continue
                except Exception as e:
                    raise PoolError(f"a Dask task failed: {type(e).__name__}: {e}") from None
                self.restarts += int(answer["restarts"])
                _restore_inputs(items, indices, answer.get("cur_inputs") or {})
                for local, result in answer["results"]:
                    self._finished()
                    yield indices[local], result
                if self.restarts > self.restart_budget:
                    raise PoolError(
                        f"worker restart budget exhausted ({self.restart_budget} restarts):"
                        " sandbox workers keep dying or hanging; see the crash/timeout findings"
                        " of the scenarios involved")
        finally:
            if tasks:
                self._client.cancel(list(tasks))

    def _finished(self) -> None:
        if self._view is not None:
            self._view.finished()

    def _local_pool(self) -> WorkerPool:
        if self._local is None:
            from fozzy.executor.cpus import usable_cpus

            self._local = WorkerPool(max(1, min(self.jobs, usable_cpus())),
                                     grace_ms=self.grace_ms)
        return self._local

    @staticmethod
    def _killed(item: dict[str, Any]) -> dict[str, Any]:
        return synthetic_result("crash", finding(
            PANIC, "dask_worker_lost",
            f"{item_label(item)} was running on every Dask worker that died while it ran"
            " (the scheduler's allowed-failures retries were used up)"), 0)


def _restore_inputs(items: list[dict[str, Any]], indices: list[int],
                    inputs: dict[str, str]) -> None:
    """Put the current inputs of lost fuzz sandboxes where the fuzz mode reads them (its
    own scratch directory: these are not artifacts)."""
    import base64

    from workers.fuzz.current_input import write_current_input

    for local, data in inputs.items():
        path = items[indices[int(local)]].get("cur_input")
        if path:
            write_current_input(path, base64.b64decode(data))
