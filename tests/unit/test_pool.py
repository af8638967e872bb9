"""The worker pool with real worker processes: results, hangs, crashes, budgets, shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import psutil
import pytest

from fozzy.executor.pool import PoolError, WorkerPool, kill_tree
from workers.engine.loop import run_scenario
from workers.steps.parse import parse_steps


def item(steps: list[dict[str, Any]], *, path: str = "s.fozzy.json", **spec: Any) -> dict[str, Any]:
    scenario = {"version": 1, "name": path, "steps": parse_steps(steps, "/steps")}
    return {"scenario": scenario, "scenario_path": path, "seed": 7, "det": True, **spec}


OK = item([{"type": "assert_eq_int", "a": 1, "b": 1}], path="ok.fozzy.json")
FAIL = item([{"type": "assert_eq_int", "a": 1, "b": 2}], path="fail.fozzy.json")
RAND = item([{"type": "rand_u64", "key": "r"}, {"type": "sleep", "duration": "5s"}])
HANG = item([{"type": "sleep", "duration": "60s"}], path="hang.fozzy.json", det=False)


def strip_wall(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("wallNs", "measurements")}


def children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.is_running()]


def test_results_match_the_engine_and_cover_every_item() -> None:
    items = [OK, FAIL, RAND, OK]
    with WorkerPool(2) as pool:
        got = dict(pool.run(items, batch_size=2))
    assert sorted(got) == [0, 1, 2, 3]
    assert [got[i]["status"] for i in range(4)] == ["pass", "fail", "pass", "pass"]
    for i, it in enumerate(items):
        assert strip_wall(got[i]) == strip_wall(run_scenario(it))
    assert got[2]["virtualMs"] == 5000


@pytest.mark.parametrize("jobs,batch", [(1, 1), (1, 5), (2, 1), (2, 3)])
def test_results_do_not_depend_on_jobs_or_batch_size(jobs: int, batch: int) -> None:
    items = [dict(RAND, seed=s) for s in range(6)] + [FAIL]
    with WorkerPool(1) as pool:
        reference = {i: strip_wall(r) for i, r in pool.run(items)}
    with WorkerPool(jobs) as pool:
        got = {i: strip_wall(r) for i, r in pool.run(items, batch_size=batch)}
    assert got == reference
    assert len({r["decisions"][1]["value"] for r in got.values() if r["status"] == "pass"}) == 6


def test_a_hung_item_is_killed_and_the_rest_of_its_job_still_runs() -> None:
    # The item itself has no timeout (so the engine would sleep 60 s): only the coordinator's
    # deadline can stop it.
    with WorkerPool(1, grace_ms=100) as pool:
        t0 = time.monotonic()
        results = dict(pool.run([OK, HANG, OK], batch_size=3, deadline_ms=lambda it: 200))
        elapsed = time.monotonic() - t0
        assert pool.restarts == 1
    assert elapsed < 30
    assert [results[i]["status"] for i in range(3)] == ["pass", "timeout", "pass"]
    [found] = results[1]["findings"]
    assert (found["kind"], found["title"]) == ("hang", "timeout")
    assert "hang.fozzy.json" in found["message"]
    assert children() == []


def test_deadlines_run_per_item_from_when_the_worker_starts_it() -> None:
    # Five 200 ms items in one job: each is well inside its own 600 ms budget even though
    # the job as a whole takes longer than any single budget.
    nap = item([{"type": "sleep", "duration": "200ms"}], det=False)
    with WorkerPool(1) as pool:
        results = dict(pool.run([nap] * 5, batch_size=5, deadline_ms=lambda it: 100))
        assert pool.restarts == 0
    assert {r["status"] for r in results.values()} == {"pass"}


def test_a_worker_killed_mid_item_yields_crash_and_is_replaced(worker_sentinel: str) -> None:
    """With either sentinel: a pidfd, or the pipe used where pidfds are unavailable."""
    with WorkerPool(1) as pool:
        stream = pool.run([OK, HANG, OK], batch_size=3)
        index, first = next(stream)
        assert (index, first["status"]) == (0, "pass")
        victim = pool.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)  # item 1 (the 60 s sleep) is now in flight
        rest = dict(stream)
        assert pool.restarts == 1
        assert pool.worker_pids() != [victim]
        # The replacement worker serves later runs normally.
        assert [r["status"] for _, r in pool.run([FAIL])] == ["fail"]
    assert rest[1]["status"] == "crash"
    [found] = rest[1]["findings"]
    assert (found["kind"], found["title"]) == ("panic", "worker_crash")
    assert "hang.fozzy.json" in found["message"] and "SIGKILL" in found["message"]
    assert rest[2]["status"] == "pass"
    assert not psutil.pid_exists(victim)


def test_an_item_the_engine_cannot_run_is_reported_not_fatal() -> None:
    broken = {k: v for k, v in OK.items() if k != "seed"}
    with WorkerPool(1) as pool:
        results = dict(pool.run([broken, OK], batch_size=2))
        assert pool.restarts == 0
    assert results[0]["status"] == "crash"
    assert results[0]["findings"][0]["title"] == "worker_error"
    assert "ok.fozzy.json" in results[0]["findings"][0]["message"]
    assert results[1]["status"] == "pass"


def test_exhausting_the_restart_budget_ends_the_run_with_a_clear_error() -> None:
    with WorkerPool(1, grace_ms=0, restart_budget=1) as pool:
        stream = pool.run([HANG, HANG, HANG], deadline_ms=lambda it: 50)
        assert next(stream)[1]["status"] == "timeout"
        with pytest.raises(PoolError, match="restart budget exhausted"):
            list(stream)
    assert children() == []


def test_abandoning_a_run_kills_what_is_in_flight() -> None:
    with WorkerPool(2) as pool:
        stream = pool.run([OK, HANG, HANG])
        next(stream)
        stream.close()
        # Busy workers were retired; the next run starts fresh ones and works.
        assert [r["status"] for _, r in pool.run([OK, OK])] == ["pass", "pass"]
    assert children() == []


def test_close_stops_every_worker() -> None:
    pool = WorkerPool(3)
    list(pool.run([OK, OK, OK]))
    pids = pool.worker_pids()
    assert len(pids) == 3
    pool.close()
    assert not any(psutil.pid_exists(p) for p in pids)
    with pytest.raises(RuntimeError):
        list(pool.run([OK]))


def test_kill_tree_takes_grandchildren_with_it() -> None:
    proc = subprocess.Popen(
        ["sh", "-c", "sleep 60 & sleep 60 & wait"], start_new_session=True
    )
    try:
        deadline = time.monotonic() + 10
        while len(psutil.Process(proc.pid).children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        kids = psutil.Process(proc.pid).children(recursive=True)
        assert len(kids) == 2
        kill_tree(proc.pid)
        proc.wait(timeout=10)
        _gone, alive = psutil.wait_procs(kids, timeout=10)
        assert alive == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_worker_that_died_idle_is_replaced_without_blaming_an_item() -> None:
    with WorkerPool(1) as pool:
        assert list(pool.run([])) == [] and pool.worker_pids() == []
        list(pool.run([OK]))
        [idle] = pool.worker_pids()
        os.kill(idle, signal.SIGKILL)
        assert wait_gone(idle)
        assert [r["status"] for _, r in pool.run([OK, FAIL])] == ["pass", "fail"]
        assert pool.restarts == 1


def wait_gone(pid: int) -> bool:
    """Until the child (a worker of this process's pool) can be reaped: its main thread shows
    as a zombie while its other threads (the containment watchdog) are still exiting, and
    until they have, `waitpid` — and so the pool — still sees it running."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        time.sleep(0.01)
    return False


def test_preload_leaves_the_op_handler_and_every_step_family_loaded_before_the_fork() -> None:
    """Workers are forked from the coordinator, so what the coordinator preloaded is what a
    fresh (or replacement) worker starts with; an unknown op is left for the worker to report."""
    code = (
        "import sys\n"
        "from workers import serve\n"
        "from workers.steps.registry import STEP_ORDER, _REGISTRY\n"
        "assert 'workers.engine.loop' not in sys.modules\n"
        "serve.preload('no-such-op')\n"
        "serve.preload('run')\n"
        "assert 'workers.engine.loop' in sys.modules\n"
        "assert len(_REGISTRY) == len(STEP_ORDER)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


def test_a_lone_fuzz_worker_forks_before_the_preload_and_a_second_or_a_step_op_after() -> None:
    """A fuzz op's first worker loads its handler itself (the coordinator goes on meanwhile);
    a second worker, and any worker of a step op, is forked with the preload done."""
    code = (
        "import sys\n"
        "from workers.supervise import Supervisor\n"
        "with Supervisor(1) as pool:\n"
        "    dict(pool.run([{}], op='fuzz_eval'))\n"
        "    print('lone', 'workers.fuzz.campaign' in sys.modules)\n"
        "with Supervisor(2) as pool:\n"
        "    dict(pool.run([{}, {}], op='fuzz_eval'))\n"
        "    print('two', 'workers.fuzz.campaign' in sys.modules)\n"
        "with Supervisor(1) as pool:\n"
        "    dict(pool.run([{}], op='run'))\n"
        "    print('steps', 'workers.engine.loop' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["lone", "False", "two", "True", "steps", "True"]


def test_an_unknown_op_is_reported_per_item_not_raised_by_the_preload() -> None:
    with WorkerPool(1) as pool:
        results = dict(pool.run([OK], op="no-such-op"))
    assert results[0]["status"] == "crash"
    assert "unknown job op" in results[0]["findings"][0]["message"]


def split_shared(it: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Everything but the seed becomes shared; the items keep only their seeds."""
    return {k: v for k, v in it.items() if k != "seed"}, {"seed": it["seed"]}


def test_shared_fields_merge_under_every_item_for_any_jobs_and_batch() -> None:
    shared, _ = split_shared(RAND)
    seeds = [{"seed": s} for s in range(7)]
    full = [dict(RAND, seed=s) for s in range(7)]
    with WorkerPool(1) as pool:
        reference = {i: strip_wall(r) for i, r in pool.run(full)}
    for jobs, batch in ((1, 1), (2, 1), (2, 3)):
        with WorkerPool(jobs) as pool:
            got = {i: strip_wall(r) for i, r in pool.run(seeds, batch_size=batch,
                                                        shared=shared)}
            # The same object again: the workers already hold it and still merge it.
            again = {i: strip_wall(r) for i, r in pool.run(seeds, shared=shared)}
        assert got == again == reference


def test_new_shared_fields_replace_the_old_ones_and_an_item_overrides_them() -> None:
    with WorkerPool(1) as pool:
        first = dict(pool.run([{"seed": 1}], shared=dict(OK)))
        second = dict(pool.run([{"seed": 1}, {**FAIL, "seed": 1}], shared=dict(RAND)))
        plain = dict(pool.run([OK]))
    assert first[0]["status"] == "pass" and first[0]["virtualMs"] == 0
    assert second[0]["virtualMs"] == 5000  # RAND's sleep: the new shared fields
    assert second[1]["status"] == "fail"  # the item's own scenario wins over the shared one
    assert plain[0]["status"] == "pass"


def test_a_replacement_worker_is_sent_the_shared_fields_again() -> None:
    shared, _ = split_shared(HANG)
    with WorkerPool(1, grace_ms=100) as pool:
        results = dict(pool.run([{"seed": 1}, {**OK, "seed": 2}, {"seed": 3, "det": True}],
                                batch_size=3, shared=shared,
                                deadline_ms=lambda it: 200))
        assert pool.restarts == 1
    assert [results[i]["status"] for i in range(3)] == ["timeout", "pass", "pass"]
    assert results[2]["virtualMs"] == 60_000  # the 60 s sleep, in virtual time this once


def test_run_refs_builds_the_scenario_from_base_steps_and_rewritten_steps() -> None:
    base = parse_steps([{"type": "set_kv", "key": "k", "value": "v"},
                        {"type": "get_kv_assert", "key": "k", "is_null": True},
                        {"type": "sleep", "duration": "2s"}], "/steps")
    shared = {k: v for k, v in OK.items() if k != "scenario"}
    shared.update(scenario={"version": 1, "name": "refs"}, base_steps=base)
    rewritten = {**base[2], "duration": "3s"}
    with WorkerPool(1) as pool:
        results = dict(pool.run([{"step_refs": [0, 1]}, {"step_refs": [1, rewritten]},
                                 {"step_refs": [2]}], op="run_refs", shared=shared))
    assert results[0]["status"] == "fail"
    assert results[1]["status"] == "pass" and results[1]["virtualMs"] == 3000
    assert results[2]["virtualMs"] == 2000


def test_a_worker_never_runs_items_against_shared_fields_it_does_not_hold() -> None:
    from workers import protocol
    from workers.serve import serve

    class Conn:
        def __init__(self, jobs: list[dict[str, Any]]) -> None:
            self.inbox = [protocol.encode(j) for j in jobs]
            self.sent: list[dict[str, Any]] = []

        def recv_bytes(self) -> bytes:
            if not self.inbox:
                raise EOFError
            return self.inbox.pop(0)

        def send_bytes(self, data: bytes) -> None:
            self.sent.append(protocol.decode(data))

    conn = Conn([{"op": "run", "items": [{"seed": 1}], "shared_seq": 3}])
    previous = signal.getsignal(signal.SIGINT)
    try:
        serve(conn)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert conn.sent == [{"i": 0, "error": "job refers to shared fields this worker was never"
                                           " sent"}]


def test_a_worker_freezes_shared_fields_and_leaves_the_collector_enabled() -> None:
    """Shared fields are kept out of full collections; decoding pauses the collector, and it
    must come back on (a worker that never collects again would grow without bound)."""
    import gc

    from workers import protocol
    from workers.serve import serve

    shared = {k: v for k, v in OK.items() if k != "seed"}
    jobs = [protocol.encode({"op": "run", "items": [{"seed": 1}], "shared_seq": 1,
                             "shared": shared})]
    sent: list[dict[str, Any]] = []

    class Conn:
        def recv_bytes(self) -> bytes:
            if not jobs:
                raise EOFError
            return jobs.pop(0)

        def send_bytes(self, data: bytes) -> None:
            sent.append(protocol.decode(data))

    previous = signal.getsignal(signal.SIGINT)
    gc.unfreeze()
    try:
        serve(Conn())
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        signal.signal(signal.SIGINT, previous)
    assert sent[0]["result"]["status"] == "pass"


def test_meanwhile_runs_once_while_the_first_jobs_are_out_and_before_any_result() -> None:
    events: list[object] = []
    with WorkerPool(2) as pool:

        def meanwhile() -> None:
            events.append(("meanwhile", sum(w.busy for w in pool._workers)))

        for index, _ in pool.run([OK, FAIL, OK, OK, OK], meanwhile=meanwhile):
            events.append(index)
        assert dict(pool.run([OK])) and events.count(("meanwhile", 2)) == 1
    assert events[0] == ("meanwhile", 2) and sorted(events[1:]) == [0, 1, 2, 3, 4]
