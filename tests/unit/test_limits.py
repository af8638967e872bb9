"""workers.limits: byte caps, deadlines and process-tree kill, without the engine."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import psutil
import pytest

from workers.limits import (
    EXITED,
    LIMIT,
    STALLED,
    TIMEOUT,
    CappedBuffer,
    earliest,
    elapsed_ms,
    remaining_s,
    run_process,
)

PY = sys.executable


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pid: int, within: float = 5.0) -> bool:
    """Reaping of reparented grandchildren is up to init, so allow it a moment."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.01)
    return False


def test_capped_buffer_keeps_prefix_and_counts_everything() -> None:
    buf = CappedBuffer("stdout", 5)
    assert buf.feed(b"abc") is False
    assert buf.feed(b"de") is False
    assert not buf.exceeded
    assert buf.feed(b"fgh") is True
    assert bytes(buf.data) == b"abcde"
    assert buf.seen == 8
    assert buf.exceeded


def test_capped_buffer_zero_cap_and_negative_cap() -> None:
    buf = CappedBuffer("body", 0)
    assert buf.feed(b"") is False
    assert buf.feed(b"x") is True
    assert buf.data == bytearray()
    with pytest.raises(ValueError):
        CappedBuffer("body", -1)


def test_deadline_helpers() -> None:
    assert earliest(None, None) is None
    assert earliest(None, 5.0, 3.0) == 3.0
    assert remaining_s(None) is None
    assert remaining_s(10.0, now=4.0) == 6.0
    assert remaining_s(10.0, now=12.0) == 0.0
    assert elapsed_ms(0) == 0
    assert elapsed_ms(1) == 1
    assert elapsed_ms(1_000_000) == 1
    assert elapsed_ms(1_000_001) == 2


def test_exit_code_and_both_streams(tmp_path: Path) -> None:
    out = run_process(
        ["sh", "-c", "printf out; printf err >&2; pwd >&2; exit 7"], str(tmp_path), None
    )
    assert out.status == EXITED
    assert out.exit_code == 7
    assert out.stdout == b"out"
    assert out.stderr == b"err" + str(tmp_path.resolve()).encode() + b"\n"
    assert out.duration_ns > 0


def test_stdin_is_closed(tmp_path: Path) -> None:
    out = run_process(["cat"], str(tmp_path), time.monotonic() + 20)
    assert out.status == EXITED
    assert out.exit_code == 0
    assert out.stdout == b""


def test_signal_death_is_minus_one(tmp_path: Path) -> None:
    out = run_process(["sh", "-c", "kill -9 $$"], str(tmp_path), None)
    assert out.status == EXITED
    assert out.exit_code == -1


def test_spawn_failure_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        run_process(["definitely-not-a-program-fozzy"], str(tmp_path), None)


def test_past_deadline_spawns_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    out = run_process(["touch", str(marker)], str(tmp_path), time.monotonic() - 1)
    assert out.status == TIMEOUT
    assert out.duration_ns == 0
    assert not marker.exists()


def test_stdout_cap_kills_the_writer_and_keeps_the_prefix(tmp_path: Path) -> None:
    script = "import sys\nwhile True: sys.stdout.buffer.write(b'x' * 65536)\n"
    out = run_process([PY, "-c", script], str(tmp_path), time.monotonic() + 60, 100_000)
    assert out.status == LIMIT
    assert out.limit_stream == "stdout"
    assert out.stdout == b"x" * 100_000
    assert out.stdout_seen > 100_000
    assert out.exit_code is None


def test_stderr_cap_is_separate(tmp_path: Path) -> None:
    script = (
        "import sys\nsys.stdout.write('ok')\nsys.stdout.flush()\nsys.stderr.write('e' * 5000)\n"
    )
    out = run_process([PY, "-c", script], str(tmp_path), time.monotonic() + 60, 4096)
    assert out.status == LIMIT
    assert out.limit_stream == "stderr"
    assert len(out.stderr) == 4096
    assert out.stdout == b"ok"


def test_exactly_at_cap_is_fine(tmp_path: Path) -> None:
    out = run_process(["printf", "abcd"], str(tmp_path), None, 4)
    assert out.status == EXITED
    assert out.stdout == b"abcd"


def test_timeout_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    script = (
        "import os, signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
        "print('partial', flush=True)\n"
        "time.sleep(120)\n"
    )
    t0 = time.monotonic()
    out = run_process([PY, "-c", script], str(tmp_path), t0 + 1.0)
    took = time.monotonic() - t0
    assert out.status == TIMEOUT
    assert out.stdout == b"partial\n"
    assert took < 10, "the deadline, not the child's sleep, must end the call"
    assert _wait_gone(int(pidfile.read_text()))


def test_timeout_kills_grandchildren_too(tmp_path: Path) -> None:
    pidfile = tmp_path / "gc"
    out = run_process(
        ["sh", "-c", f"sleep 120 & echo $! > {pidfile}; wait"],
        str(tmp_path),
        time.monotonic() + 1.0,
    )
    assert out.status == TIMEOUT
    assert _wait_gone(int(pidfile.read_text()))


def test_limit_kills_grandchildren_too(tmp_path: Path) -> None:
    pidfile = tmp_path / "gc"
    out = run_process(
        ["sh", "-c", f"sleep 120 & echo $! > {pidfile}; yes"],
        str(tmp_path),
        time.monotonic() + 60,
        10_000,
    )
    assert out.status == LIMIT
    assert _wait_gone(int(pidfile.read_text()))


def test_background_process_holding_the_pipe_is_a_stall_and_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "gc"
    out = run_process(
        ["sh", "-c", f"sleep 120 & echo $! > {pidfile}; echo started"],
        str(tmp_path),
        time.monotonic() + 60,
        flush_grace=0.2,
    )
    assert out.status == STALLED
    assert out.exit_code == 0
    assert out.stdout == b"started\n"
    assert _wait_gone(int(pidfile.read_text()))


def test_detached_background_process_does_not_outlive_the_call(tmp_path: Path) -> None:
    pidfile = tmp_path / "gc"
    out = run_process(
        ["sh", "-c", f"sleep 120 >/dev/null 2>&1 & echo $! > {pidfile}"],
        str(tmp_path),
        time.monotonic() + 60,
    )
    assert out.status == EXITED
    assert out.exit_code == 0
    assert _wait_gone(int(pidfile.read_text()))


def test_rss_of_a_long_enough_child_is_sampled(tmp_path: Path) -> None:
    script = "import time\nb = bytearray(32 * 1024 * 1024)\ntime.sleep(0.3)\n"
    out = run_process([PY, "-c", script], str(tmp_path), time.monotonic() + 60)
    assert out.status == EXITED
    assert out.rss_sample_count >= 1
    assert out.peak_rss_bytes >= 32 * 1024 * 1024


def test_no_sampling_when_disabled(tmp_path: Path) -> None:
    out = run_process(["sleep", "0.1"], str(tmp_path), None, sample_rss=False)
    assert out.rss_sample_count == 0
    assert out.peak_rss_bytes == 0


def test_no_leftover_children_of_this_process(tmp_path: Path) -> None:
    before = {p.pid for p in psutil.Process(os.getpid()).children(recursive=True)}
    for _ in range(3):
        run_process(["sh", "-c", "sleep 30 & yes"], str(tmp_path), time.monotonic() + 60, 1000)
    after = {
        p.pid for p in psutil.Process(os.getpid()).children(recursive=True) if _alive(p.pid)
    }
    assert after <= before
