"""The Dask task body: a batch of job items in, their results out, run in a local sandbox.

A Dask worker is a long-lived, multi-threaded process that fozzy does not own, so nothing a
scenario does may happen inside it: every item runs in a sandbox worker process supervised
exactly like the coordinator's local pool (`workers.supervise`: deadlines, tree kills, RSS
limit, exit -> `crash`), started with `spawn` (forking a multi-threaded process can copy a
held lock into the child). Each Dask worker thread keeps one sandbox across tasks, so its
start-up is paid once; it dies with the thread or the Dask worker (parent-death signal and
pipe watchdog, see `workers.containment`).

The coordinator keeps the restart budget for the whole run, so a task reports how many
sandboxes it replaced instead of giving up on its own.

Fuzz items name a current-input file (`cur_input`) that the coordinator reads when a sandbox
dies mid-batch. That path is the coordinator's; here it is redirected into a directory of
this task, and the file's bytes travel back with the results of items whose sandbox was
lost, for the coordinator to put where it expects them.
"""

from __future__ import annotations

import base64
import os
import tempfile
import threading
from typing import Any

from workers import protocol
from workers.fuzz.current_input import read_current_input
from workers.supervise import Supervisor

_local = threading.local()


def _supervisor(grace_ms: int, mem_limit_mb: int | None) -> Supervisor:
    """This thread's sandbox supervisor, made anew when the limits differ."""
    sup: Supervisor | None = getattr(_local, "supervisor", None)
    if sup is not None and (sup.grace_ms, sup.mem_limit_mb) != (grace_ms, mem_limit_mb):
        sup.close()
        sup = None
    if sup is None:
        sup = Supervisor(1, grace_ms=grace_ms, mem_limit_mb=mem_limit_mb, start_method="spawn")
        _local.supervisor = sup
    return sup


def run_batch(payload: bytes, shared: dict[str, Any] | None) -> bytes:
    """Run the items of `payload` (orjson: op, items, their deadlines, batch size, depth,
    grace, memory limit) and return `{"results": [[i, result], ...], "restarts": n}`.

    Every item gets a result (synthesized `timeout`/`crash` when its sandbox hung or died),
    so the budget here only bounds this one batch: each item can cost one sandbox.
    """
    job = protocol.decode(payload)
    items: list[dict[str, Any]] = job["items"]
    budgets = {id(item): deadline for item, deadline in zip(items, job["deadlines"],
                                                            strict=True)}
    sup = _supervisor(int(job["grace_ms"]), job["mem_limit_mb"])
    sup.restarts, sup.restart_budget = 0, len(items) + 1
    with tempfile.TemporaryDirectory(prefix="fozzy-task-") as scratch:
        local = {}
        for n, item in enumerate(items):
            if item.get("cur_input"):
                local[n] = item["cur_input"] = os.path.join(scratch, f"{n}.cur")
        results: list[list[Any]] = []
        inputs: dict[str, str] = {}
        for index, result in sup.run(
            items,
            batch_size=int(job["batch_size"]),
            op=str(job["op"]),
            deadline_ms=lambda item: budgets[id(item)],
            depth=int(job["depth"]),
            shared=shared,
        ):
            results.append([index, result])
            if index in local and result.get("status") in ("crash", "timeout"):
                kept = read_current_input(local[index])
                if kept is not None:
                    inputs[str(index)] = base64.b64encode(kept).decode("ascii")
    return protocol.encode({"results": results, "restarts": sup.restarts,
                            "cur_inputs": inputs})


