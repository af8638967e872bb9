"""What a human-mode display learns about a Dask run while it goes: the dashboard link, the
live worker count, items done of items submitted.

Modes build their executor through `make_executor` and carry no display objects, so the CLI
registers one watcher for the process before the run and the Dask backend announces its
`ClusterView` to it on connecting. Without a watcher (`--json`, library use) nothing is
shown and nothing extra is asked of the scheduler.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

#: Seconds between worker-count queries (each is a scheduler round trip).
WORKERS_EVERY_S = 0.5

_watcher: Callable[[ClusterView], None] | None = None


class ClusterView:
    """Counts kept on the coordinator thread; `on_change` redraws whatever shows them."""

    def __init__(self, client: Any, dashboard: str | None) -> None:
        self._client = client
        self.dashboard = dashboard
        self.done = 0
        self.total = 0
        self.workers = len(client.nthreads())
        self._asked = time.monotonic()
        self.on_change: Callable[[ClusterView], None] = lambda view: None

    def submitted(self, count: int) -> None:
        self.total += count
        self._refresh(force=True)

    def finished(self) -> None:
        self.done += 1
        self._refresh(force=False)

    def _refresh(self, *, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._asked >= WORKERS_EVERY_S:
            self._asked = now
            self.workers = len(self._client.nthreads())
        self.on_change(self)


def watch(watcher: Callable[[ClusterView], None] | None) -> None:
    """Register (or with None drop) the one watcher told about every Dask connection."""
    global _watcher
    _watcher = watcher


def announce(client: Any) -> ClusterView | None:
    """The view of a freshly connected client, handed to the watcher; None without one."""
    if _watcher is None:
        return None
    link = getattr(client, "dashboard_link", None)
    view = ClusterView(client, str(link) if link else None)
    _watcher(view)
    return view
