"""One contract for every executor backend: the local forked pool and the Dask cluster
(`local:2`, when distributed is installed) must give the same results for the same items —
pass, fail, timeout, crash, worker errors, shared fields, repeated identical items — and
leave no process behind."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from fozzy.executor.seam import Executor, make_executor
from workers.engine.loop import run_scenario
from workers.steps.parse import parse_steps

HAS_DASK = importlib.util.find_spec("distributed") is not None
BACKENDS = [
    pytest.param(None, id="local"),
    pytest.param("local:2", id="dask-local-2", marks=pytest.mark.skipif(
        not HAS_DASK, reason="distributed is not installed (pip install 'fozzy[dask]')")),
]


def item(steps: list[dict[str, Any]], *, path: str, **spec: Any) -> dict[str, Any]:
    scenario = {"version": 1, "name": path, "steps": parse_steps(steps, "/steps")}
    return {"scenario": scenario, "scenario_path": path, "seed": 7, "det": True, **spec}


OK = item([{"type": "assert_eq_int", "a": 1, "b": 1}], path="ok.fozzy.json")
FAIL = item([{"type": "assert_eq_int", "a": 1, "b": 2}], path="fail.fozzy.json")
RAND = item([{"type": "rand_u64", "key": "r"}], path="rand.fozzy.json")
HANG = item([{"type": "sleep", "duration": "60s"}], path="hang.fozzy.json", det=False)
KILLER = item([{"type": "proc_spawn", "cmd": "sh", "args": ["-c", "kill -9 $PPID"]}],
              path="killer.fozzy.json", backends={"proc": "host"})


def strip_wall(result: dict[str, Any]) -> dict[str, Any]:
    """Without wall time and measurements, which no two executions share."""
    return {k: v for k, v in result.items() if k not in ("wallNs", "measurements")}


def descendants() -> list[psutil.Process]:
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.Error:
            continue
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def executor(request: pytest.FixtureRequest) -> Iterator[Executor]:
    before = set(descendants())
    with make_executor(2, dask=request.param, grace_ms=200) as ex:
        yield ex
    if request.param is not None:
        # The LocalCluster's spawn context started multiprocessing's resource tracker, which
        # would outlive this module as a child of the test process (later tests count
        # children): stop it, as the interpreter would at exit.
        from multiprocessing import resource_tracker

        resource_tracker._resource_tracker._stop()
    deadline = time.monotonic() + 10
    while set(descendants()) - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p.cmdline() for p in set(descendants()) - before] == []


def test_every_item_once_with_the_results_of_the_engine(executor: Executor) -> None:
    items = [dict(RAND, seed=s) for s in range(12)] + [OK, FAIL]
    want = {i: strip_wall(run_scenario(it)) for i, it in enumerate(items)}
    got: dict[int, dict[str, Any]] = {}
    for index, result in executor.run(items, batch_size=3, depth=2):
        assert index not in got
        got[index] = strip_wall(result)
    assert got == want
    assert executor.jobs >= 1


def test_a_hung_item_is_timeout_and_the_rest_of_its_batch_runs(executor: Executor) -> None:
    got = dict(executor.run([OK, HANG, OK], batch_size=3, deadline_ms=lambda it: 300))
    assert [got[i]["status"] for i in range(3)] == ["pass", "timeout", "pass"]
    [found] = got[1]["findings"]
    assert (found["kind"], found["title"]) == ("hang", "timeout")
    assert "hang.fozzy.json" in found["message"]


def test_an_item_that_kills_its_sandbox_is_crash_naming_it(executor: Executor) -> None:
    got = dict(executor.run([OK, KILLER, FAIL], batch_size=3))
    assert [got[i]["status"] for i in range(3)] == ["pass", "crash", "fail"]
    [found] = got[1]["findings"]
    assert (found["kind"], found["title"]) == ("panic", "worker_crash")
    assert "killer.fozzy.json" in found["message"] and "SIGKILL" in found["message"]


def test_an_item_the_engine_cannot_run_is_reported(executor: Executor) -> None:
    broken = {k: v for k, v in OK.items() if k != "seed"}
    got = dict(executor.run([broken, OK], batch_size=2))
    assert got[0]["status"] == "crash"
    assert got[0]["findings"][0]["title"] == "worker_error"
    assert got[1]["status"] == "pass"


def test_shared_fields_are_merged_under_each_item(executor: Executor) -> None:
    shared = {"det": True, "scenario_path": "shared.fozzy.json"}
    items = [{"scenario": RAND["scenario"], "seed": s} for s in range(6)]
    want = {i: strip_wall(run_scenario({**shared, **it})) for i, it in enumerate(items)}
    for _ in range(2):  # the second run reuses what the workers already hold
        got = {i: strip_wall(r) for i, r in executor.run(items, batch_size=2, shared=shared)}
        assert got == want


def test_identical_items_each_run(executor: Executor) -> None:
    """Repetitions (doctor, ci) submit the very same item many times: none may be folded."""
    got = dict(executor.run([RAND] * 8, batch_size=1))
    assert sorted(got) == list(range(8))
    assert len({str(strip_wall(r)) for r in got.values()}) == 1


def test_abandoning_a_run_leaves_the_executor_usable(executor: Executor) -> None:
    stream = executor.run([OK, HANG, HANG], deadline_ms=lambda it: 5000)
    next(iter(stream))
    stream.close()  # type: ignore[attr-defined]
    assert [r["status"] for _, r in executor.run([OK, OK])] == ["pass", "pass"]
