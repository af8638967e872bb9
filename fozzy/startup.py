"""Cyclic garbage collection is paused while a command starts.

Start-up creates tens of thousands of objects that live as long as the process (modules,
classes, functions, dataclass methods); the collections they trigger find nothing to free and
cost a `fuzz` start a few ms. The console script pauses collection first thing; it resumes
just before the command's first worker is forked (`WorkerPool`: a worker must inherit the
collector on), when a Dask executor is made, or when the Typer application takes over.
Resuming freezes what start-up built — Python's recipe for a process that forks, and those
objects never become garbage — so later collections do not walk it either. Embedders (the
SDK, the pytest plugin) never pause, and `resume` leaves their collector as they set it.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
