"""The human-mode display of a `--dask` run, all on stderr: the Dask dashboard link once, and
while stderr is a TTY (colour on) the live worker count with items done/total.

A command with a rich bar of its own (test) hands it in and gets a worker count in it, since
rich shows one live display at a time; one that draws its own progress lines (fuzz) hands in
a `ClusterFollow` and puts its text (workers, slices done/total) in them; the rest get one
cluster bar. `--json` shows nothing: stdout stays one document and
stderr stays quiet.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fozzy.executor.dask_watch import ClusterView, watch


def workers_text(view: ClusterView) -> str:
    return f"{view.workers} Dask worker{'s' if view.workers != 1 else ''}"


class ClusterFollow:
    """The latest view of the cluster, for a display that redraws on its own schedule."""

    def __init__(self) -> None:
        self.view: ClusterView | None = None

    def text(self) -> str:
        """`2 Dask workers, slices 3/4` once connected; empty before (or without --dask)."""
        v = self.view
        return f"{workers_text(v)}, slices {v.done}/{v.total}" if v is not None else ""


def _cluster_bar() -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(TextColumn("[bold]dask"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("[cyan]{task.fields[workers]}"), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    bar.add_task("dask", total=None, workers="connecting")
    return bar


@contextmanager
def dask_display(dask: str | None, bar: Any = None, *, follow: ClusterFollow | None = None
                 ) -> Iterator[None]:
    """Show the run on a Dask cluster while the body runs. `bar`: the command's own rich
    Progress, which must have a `workers` field on its first task; `follow`: the command
    draws its own progress and shows `follow.text()` in it, so only the link is printed."""
    from fozzy.cli.context import G

    if dask is None or G.json:
        yield
        return
    live = sys.stderr.isatty() and not G.no_color
    own = _cluster_bar() if live and bar is None and follow is None else None
    shown = bar if bar is not None else own

    def on_connect(view: ClusterView) -> None:
        if view.dashboard:
            line = f"dask      dashboard {view.dashboard}"
            if shown is not None:
                shown.console.print(line, markup=False, highlight=False)
            else:
                sys.stderr.write(line + "\n")
        if follow is not None:
            follow.view = view
        if shown is None:
            return
        task = shown.task_ids[0]

        def on_change(v: ClusterView) -> None:
            if own is not None:
                own.update(task, completed=v.done, total=v.total, workers=workers_text(v))
            else:
                shown.update(task, workers=workers_text(v))

        view.on_change = on_change
        on_change(view)

    watch(on_connect)
    try:
        if own is not None:
            with own:
                yield
        else:
            yield
    finally:
        watch(None)
