"""The worker process loop: receive a job, run its items, send one result per item."""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import signal
from collections.abc import Callable
from typing import Any, Protocol

from workers import protocol


class Connection(Protocol):
    def recv_bytes(self) -> bytes: ...

    def send_bytes(self, data: bytes) -> None: ...


def serve(conn: Connection) -> None:
    """Serve jobs until the coordinator closes the pipe or sends `stop`.

    A worker runs in its own process group so that the coordinator can kill it together with
    every process it spawned. SIGINT is ignored: Ctrl-C is the coordinator's to handle.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    shared: dict[str, Any] = {}
    shared_seq: object = None
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            return
        job = _decode_job(raw)
        op = job.get("op")
        if op == "stop":
            return
        if "shared" in job:
            shared, shared_seq = job["shared"], job["shared_seq"]
            _keep_out_of_collections()
        items: list[dict[str, Any]] = job["items"]
        if "shared_seq" in job:
            if job["shared_seq"] != shared_seq:
                for i in range(len(items)):
                    conn.send_bytes(protocol.item_error(i, "job refers to shared fields this"
                                                           " worker was never sent"))
                continue
            items = [{**shared, **item} for item in items]
        for i, item in enumerate(items):
            try:
                result = _handler(op)(item)
            except Exception as e:  # an engine bug must not kill the worker silently
                conn.send_bytes(protocol.item_error(i, f"{type(e).__name__}: {e}"))
                continue
            conn.send_bytes(protocol.item_result(i, result))


def _decode_job(raw: bytes) -> dict[str, Any]:
    """Decoding builds only acyclic data, yet a large job (shared fields of a multi-MB
    scenario) allocates enough objects to set off several full collections on the way, which
    doubled its decode time; the collector waits until the data is built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return protocol.decode(raw)
    finally:
        if enabled:
            gc.enable()


def _keep_out_of_collections() -> None:
    """Shared fields live as long as the worker serves their items, and can be large (a
    shrink's base scenario: millions of objects for a multi-MB scenario). Left to the cyclic
    collector, every full collection walks all of them again (~40 ms each for a 2.7 MB
    scenario, landing on random items); frozen, collections skip them. Acyclic JSON data is
    still freed by reference counting once newer shared fields replace it."""
    gc.freeze()


Handler = Callable[[dict[str, Any]], dict[str, Any]]

# Job kinds a worker serves: op → "module:function" taking one item and returning its result.
OPS = {
    "run": "workers.engine.loop:run_scenario",
    "run_refs": "workers.candidates:run_candidate",
    "load": "workers.scenario_core:load_batch",
    "fuzz": "workers.fuzz.campaign:fuzz_batch",
    "fuzz_eval": "workers.fuzz.campaign:evaluate_inputs",
    "explore": "workers.cluster.explore_ops:explore_batch",
    "explore_replay": "workers.cluster.explore_ops:replay_item",
}


#: Ops whose every item runs scenario steps. The fuzz ops are not among them: an `fn:`
#: campaign never touches a step, and a scenario campaign builds the registry on first use.
STEP_OPS = frozenset({"run", "run_refs", "load", "explore", "explore_replay"})

_RESOLVED: dict[str, Handler] = {}


def preload(op: str) -> None:
    """Import what serving `op` needs, in the process that is about to fork workers.

    Building the step registry imports every step family and capability backend (~20 ms);
    done once before the fork, each worker (and each replacement for a crashed or hung one)
    starts with it already in memory, shared copy-on-write, instead of paying it again.
    """
    if op in STEP_OPS:
        from workers.steps.registry import registry

        registry()
    if op in OPS:  # an unknown op is reported per item by the worker, as without a preload
        _handler(op)


def _handler(op: object) -> Handler:
    """The function serving `op`, resolved once per worker (a suite sends thousands of items,
    and an import lookup per item is a measurable share of a tiny scenario's cost)."""
    fn = _RESOLVED.get(str(op))
    if fn is not None:
        return fn
    target = OPS.get(str(op))
    if target is None:
        raise ValueError(f"unknown job op {op!r}")
    module, _, name = target.partition(":")
    resolved: Handler = getattr(importlib.import_module(module), name)
    _RESOLVED[str(op)] = resolved
    return resolved


def main(conn: Connection) -> None:
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    try:
        serve(conn)
    except (BrokenPipeError, ConnectionResetError):
        # The coordinator died while this worker was answering: there is nobody to report
        # to, and a traceback on the terminal it shared would look like fozzy crashed.
        return
