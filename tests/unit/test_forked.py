"""`workers.forked`: the channel frames exactly as multiprocessing's Connection does (the
supervisor parses those frames itself), and the process handle reports exits as
multiprocessing does (status, or minus the signal), from a real fork."""

from __future__ import annotations

import gc
import multiprocessing.connection
import os
import select
import signal
import socket
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.forked import Channel, ForkedProcess, channel_pair
from workers.sandbox import WorkerSlot


def _exit_with(code: object) -> None:
    raise SystemExit(code)


def _raise() -> None:
    raise ValueError("boom")


def _sleep() -> None:
    time.sleep(60)


def _close_files_then_exit() -> None:
    os.closerange(3, 65536)
    time.sleep(0.3)


def _read_stdin(fd: int) -> None:
    os.write(fd, repr(sys.stdin.read()).encode())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(max_size=40_000), max_size=6))
def test_frames_are_multiprocessing_frames_both_ways(payloads: list[bytes]) -> None:
    ours, theirs_sock = socket.socketpair()
    theirs = multiprocessing.connection.Connection(theirs_sock.detach())
    channel = Channel(ours.detach())
    try:
        for p in payloads:
            channel.send_bytes(p)
            assert theirs.recv_bytes() == p
            theirs.send_bytes(p)
            assert channel.recv_bytes() == p
    finally:
        channel.close()
        theirs.close()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(max_size=3000), max_size=8), st.integers(1, 7))
def test_the_supervisors_frame_reader_reads_what_a_channel_sends(payloads: list[bytes],
                                                                 cut: int) -> None:
    a, b = channel_pair()
    try:
        for p in payloads:
            a.send_bytes(p)
        a.close()
        raw = b""
        while chunk := os.read(b.fileno(), 65536):
            raw += chunk
    finally:
        a.close()
        b.close()
    slot = WorkerSlot(proc=None, conn=None, fd=-1, sentinel=-1)
    got: list[bytes] = []
    for start in range(0, len(raw), cut):  # arriving in arbitrary pieces
        slot.inbox += raw[start:start + cut]
        got += slot.frames()
    assert got == payloads and not slot.inbox


def test_eof_between_frames_is_eoferror_and_inside_one_is_oserror() -> None:
    a, b = channel_pair()
    a.close()
    with pytest.raises(EOFError):
        b.recv_bytes()
    b.close()
    a, b = channel_pair()
    os.write(a.fileno(), (100).to_bytes(4, "big") + b"short")
    a.close()
    with pytest.raises(OSError, match="middle of a message"):
        b.recv_bytes()
    b.close()
    with pytest.raises(OSError):
        b.send_bytes(b"closed")


@pytest.mark.parametrize(("target", "args", "code"), [
    (_exit_with, (None,), 0), (_exit_with, (3,), 3), (_exit_with, ("bye",), 1), (_raise, (), 1),
])
def test_exit_status_is_the_targets(target: object, args: tuple[object, ...], code: int,
                                    capfd: pytest.CaptureFixture[str]) -> None:
    proc = ForkedProcess(target, args)  # type: ignore[arg-type]
    proc.start()
    proc.join()
    assert proc.exitcode == code and not proc.is_alive()
    if target is _raise:
        assert "ValueError: boom" in capfd.readouterr().err


def test_a_killed_child_reports_minus_the_signal_and_its_sentinel_fires(
        worker_sentinel: str) -> None:
    proc = ForkedProcess(_sleep, ())
    proc.start()
    proc.join(0.05)
    assert proc.is_alive() and proc.exitcode is None
    assert select.select([proc.sentinel], [], [], 0)[0] == []
    os.kill(proc.pid, signal.SIGKILL)
    assert select.select([proc.sentinel], [], [], 30)[0] == [proc.sentinel]
    # A fired sentinel is a dead child for `is_alive` too, with no join first.
    assert not proc.is_alive() and proc.exitcode == -signal.SIGKILL
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL and not proc.is_alive()


def test_a_fired_sentinel_means_the_child_is_reaped_once_it_is_gone(worker_sentinel: str) -> None:
    # A pipe sentinel fires when the child's end closes: a moment before a dying child can be
    # reaped (one CI run saw `join` return with no exit code and leave a zombie), and long
    # before it exits if the child closes its files itself, as this one does.
    proc = ForkedProcess(_close_files_then_exit, ())
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0 and not proc.is_alive()


def test_the_child_reads_dev_null_as_stdin() -> None:
    r, w = os.pipe()
    proc = ForkedProcess(_read_stdin, (w,))
    proc.start()
    os.close(w)
    proc.join()
    assert os.read(r, 100) == b"''" and proc.exitcode == 0
    os.close(r)


def _report_frozen(fd: int) -> None:
    os.write(fd, str(gc.get_freeze_count()).encode())


def test_the_child_starts_with_what_it_inherited_frozen_and_the_parent_does_not() -> None:
    gc.unfreeze()
    r, w = os.pipe()
    proc = ForkedProcess(_report_frozen, (w,))
    proc.start()
    os.close(w)
    proc.join()
    assert int(os.read(r, 100)) > 1000 and gc.get_freeze_count() == 0
    os.close(r)
