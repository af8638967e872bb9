"""The pool's fast paths: frames split out of whole-pipe reads, and depth-2 pipelining (a
worker's next job queued behind its running one) with hangs and crashes inside the queued job."""

from __future__ import annotations

import struct
import subprocess
import threading
import time
from typing import Any

import psutil
import pytest

from fozzy.executor.pool import PREFETCH_MAX_BYTES, WorkerPool
from workers import serve
from workers.sandbox import WorkerSlot
from workers.steps.parse import parse_steps


def item(steps: list[dict[str, Any]], *, path: str = "s.fozzy.json", **spec: Any) -> dict[str, Any]:
    scenario = {"version": 1, "name": path, "steps": parse_steps(steps, "/steps")}
    return {"scenario": scenario, "scenario_path": path, "seed": 7, "det": True, **spec}


OK = item([{"type": "assert_eq_int", "a": 1, "b": 1}], path="ok.fozzy.json")
FAIL = item([{"type": "assert_eq_int", "a": 1, "b": 2}], path="fail.fozzy.json")
HANG = item([{"type": "sleep", "duration": "60s"}], path="hang.fozzy.json", det=False)
#: Kills its own worker mid-item, whenever that item runs.
KILLER = item([{"type": "proc_spawn", "cmd": "sh", "args": ["-c", "kill -9 $PPID"]}],
              path="killer.fozzy.json", backends={"proc": "host"})


def rand(seed: int) -> dict[str, Any]:
    return item([{"type": "rand_u64", "key": "r"}, {"type": "sleep", "duration": "1s"}],
                seed=seed)


def frame(payload: bytes) -> bytes:
    return struct.pack("!i", len(payload)) + payload


def test_frames_are_split_out_of_arbitrary_chunks() -> None:
    w = WorkerSlot(proc=None, conn=None, fd=-1, sentinel=-1)
    stream = frame(b"abc") + frame(b"") + struct.pack("!i", -1) + struct.pack("!Q", 5) + b"hello"
    stream += frame(b"tail")
    got: list[bytes] = []
    for i in range(0, len(stream), 3):  # worst case: every read ends mid-header or mid-body
        w.inbox += stream[i : i + 3]
        got += w.frames()
    assert got == [b"abc", b"", b"hello", b"tail"]
    assert w.inbox == bytearray()
    w.inbox += frame(b"xyz")[:5]
    assert w.frames() == [] and len(w.inbox) == 5


def strip_wall(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("wallNs", "measurements")}


@pytest.mark.parametrize("jobs,batch", [(1, 1), (1, 3), (2, 2)])
def test_pipelined_results_match_unpipelined(jobs: int, batch: int) -> None:
    items = [rand(s) for s in range(9)] + [FAIL]
    with WorkerPool(1) as pool:
        reference = {i: strip_wall(r) for i, r in pool.run(items)}
    with WorkerPool(jobs) as pool:
        got = {i: strip_wall(r) for i, r in pool.run(items, batch_size=batch, depth=2)}
    assert got == reference


def test_a_hang_in_the_queued_job_times_out_and_the_rest_still_runs() -> None:
    items = [OK, OK, OK, HANG, OK, FAIL]
    with WorkerPool(1, grace_ms=100) as pool:
        results = dict(pool.run(items, batch_size=2, depth=2, deadline_ms=lambda it: 200))
        assert pool.restarts == 1
    assert [results[i]["status"] for i in range(6)] == [
        "pass", "pass", "pass", "timeout", "pass", "fail"]
    assert "hang.fozzy.json" in results[3]["findings"][0]["message"]


def test_a_crash_in_the_queued_job_blames_the_item_being_run() -> None:
    # The item kills its worker itself: a kill from the test after two results raced the
    # dispatch of the second job (both results in one read left the worker idle, so its
    # death blamed nothing and the 60 s item ran again on the replacement).
    items = [OK, OK, KILLER, OK, OK]
    with WorkerPool(1) as pool:
        results = dict(pool.run(items, batch_size=2, depth=2))
        assert pool.restarts == 1
    assert [results[i]["status"] for i in range(5)] == ["pass", "pass", "crash", "pass", "pass"]
    assert "killer.fozzy.json" in results[2]["findings"][0]["message"]


def test_big_jobs_are_not_queued_behind_a_worker_busy_writing_big_results() -> None:
    # Each job is larger than the prefetch limit and each result (untrimmed events) larger
    # than a socket buffer: queueing a job behind a running one could block the coordinator's
    # send while the worker blocks on its result write.
    steps = [{"type": "trace_event", "name": "e" * 40, "fields": {"i": str(i)}}
             for i in range(1500)]
    big = item(steps, path="big.fozzy.json")
    assert len(str(big)) * 2 > PREFETCH_MAX_BYTES
    results: dict[int, dict[str, Any]] = {}

    def run() -> None:
        with WorkerPool(1) as pool:
            results.update(pool.run([big] * 6, batch_size=2, depth=2))

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(120)
    assert not runner.is_alive(), "pool deadlocked"
    assert sorted(results) == list(range(6))
    assert all(r["status"] == "pass" and r["events"] for r in results.values())


def test_depth_is_validated() -> None:
    with WorkerPool(1) as pool, pytest.raises(ValueError, match="depth"):
        list(pool.run([OK], depth=3))


def leak_child(item: dict[str, Any]) -> dict[str, Any]:
    """A job op that leaves a process behind in its own session (what a buggy host backend
    could do): closing the pool must still kill it."""
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    return {"pid": proc.pid}


def gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.01)
    return False


def test_close_kills_what_an_idle_worker_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(serve.OPS, "leak", "tests.unit.test_pool_pipeline:leak_child")
    pool = WorkerPool(1)
    [(_, result)] = list(pool.run([{}], op="leak"))
    leaked = int(result["pid"])
    assert psutil.pid_exists(leaked)
    pool.close()
    assert gone(leaked)
