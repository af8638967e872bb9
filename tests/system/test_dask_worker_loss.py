"""Worker loss on a real Dask cluster (see dask_cluster.py; the scheduler allows one
failure per task): a batch holding an item that kills the Dask
worker itself (not just its sandbox) is retried by the scheduler, then split, and only that
item ends as `crash`; every other item of the batch still gets its own result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.system.dask_cluster import Cluster
from workers.steps.parse import parse_steps

pytest.importorskip("distributed",
                    reason="distributed is not installed (pip install 'fozzy[dask]')")


def item(steps: list[dict[str, Any]], *, path: str) -> dict[str, Any]:
    scenario = {"version": 1, "name": path, "steps": parse_steps(steps, "/steps")}
    return {"scenario": scenario, "scenario_path": path, "seed": 7, "det": True,
            "backends": {"proc": "host"}}


OK = item([{"type": "assert_eq_int", "a": 1, "b": 1}], path="ok.fozzy.json")
# The sandbox's parent is the Dask worker process: kill that one.
WORKER_KILLER = item([{"type": "proc_spawn", "cmd": "sh", "args": [
    "-c", "kill -9 $(ps -o ppid= -p $PPID)"]}], path="worker-killer.fozzy.json")


@pytest.fixture
def executor(dask_cluster: Cluster) -> Iterator[Any]:
    from fozzy.executor.dask import DaskExecutor

    with DaskExecutor(dask_cluster.address) as ex:
        yield ex


def test_only_the_item_that_keeps_killing_workers_is_a_crash(executor: Any) -> None:
    items = [OK, OK, WORKER_KILLER, OK]
    got = dict(executor.run(items, batch_size=4))
    assert sorted(got) == [0, 1, 2, 3]
    assert [got[i]["status"] for i in range(4)] == ["pass", "pass", "crash", "pass"]
    [found] = got[2]["findings"]
    assert found["title"] == "dask_worker_lost"
    assert "worker-killer.fozzy.json" in found["message"]
    # The cluster's nannies replaced the lost workers; the executor still works.
    assert [r["status"] for _, r in executor.run([OK, OK])] == ["pass", "pass"]
    executor._client.wait_for_workers(2, timeout=60)
