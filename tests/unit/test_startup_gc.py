"""`fozzy.startup`: the console script's pause of the cyclic collector ends in a resume that
turns it back on (freezing what start-up built), and an embedder's own setting is left alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from fozzy import startup


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    gc.unfreeze()
    startup._paused = False
    (gc.enable if was else gc.disable)()


def test_a_pause_is_undone_by_resume_which_freezes_the_start_up_heap() -> None:
    gc.enable()
    gc.unfreeze()
    startup.pause()
    assert not gc.isenabled()
    startup.resume()
    assert gc.isenabled() and gc.get_freeze_count() > 0
    startup.resume()  # a second resume (another fork) changes nothing
    assert gc.isenabled()


def test_resume_without_a_pause_keeps_a_collector_someone_else_turned_off() -> None:
    gc.disable()
    startup.pause()  # already off: not ours to turn back on
    startup.resume()
    assert not gc.isenabled() and gc.get_freeze_count() == 0


def test_a_fork_after_resume_leaves_the_start_up_heap_frozen() -> None:
    from workers.forked import ForkedProcess

    gc.enable()
    gc.unfreeze()
    startup.pause()
    startup.resume()
    frozen = gc.get_freeze_count()
    proc = ForkedProcess(lambda: None, ())
    proc.start()
    proc.join()
    assert proc.exitcode == 0 and gc.get_freeze_count() == frozen > 0
