"""The function a Dask worker actually calls: find fozzy's own `workers`, then run the batch.

It is shipped by value (cloudpickle), not by name, because importing anything by name on the
Dask worker goes through that worker's `sys.path`, and a Dask worker started in a directory
holding a user package or module called `workers` would otherwise import that instead of
fozzy's. The installed `fozzy` distribution is located with `find_spec` (which does not run
`fozzy/__init__`), its sibling `workers` is put first on `sys.path` (so spawned sandbox
processes, which inherit the path, find it too) and a foreign `workers` already imported is
dropped. Nothing from `fozzy` itself runs on the Dask worker.
"""

from __future__ import annotations

from typing import Any


def run_remote(payload: bytes, shared: dict[str, Any] | None) -> bytes:
    import importlib
    import importlib.util
    import os
    import sys

    spec = importlib.util.find_spec("fozzy")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fozzy is not installed on this Dask worker (pip install 'fozzy[dask]')")
    root = os.path.dirname(os.path.realpath(next(iter(spec.submodule_search_locations))))
    ours = os.path.join(root, "workers")
    loaded = sys.modules.get("workers")
    where = getattr(loaded, "__file__", None) if loaded is not None else None
    if loaded is None or where is None or os.path.dirname(os.path.realpath(where)) != ours:
        for name in [n for n in sys.modules if n == "workers" or n.startswith("workers.")]:
            del sys.modules[name]
        if not sys.path or sys.path[0] != root:
            sys.path.insert(0, root)
        importlib.invalidate_caches()
    remote = importlib.import_module("workers.remote")
    result: bytes = remote.run_batch(payload, shared)
    return result
