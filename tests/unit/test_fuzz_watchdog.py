"""The per-exec watchdog of `fn:` batches: one periodic timer for the whole batch, which
interrupts a call only once that call itself has run for its timeout."""

from __future__ import annotations

import time
from pathlib import Path

from workers.fuzz.pyfn import exec_alarm, load_target, run_fn

TARGET = '''
import time


def check(data: bytes) -> None:
    if data == b"hang":
        while True:
            pass
    if data == b"nap":
        time.sleep(0.01)
'''


def test_a_hung_call_is_interrupted_after_its_timeout_not_before(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(TARGET)
    target = load_target("slow.py:check", str(tmp_path))
    with exec_alarm(0.2):
        t0 = time.monotonic()
        out = run_fn(target, b"hang", timeout_s=0.2)
        elapsed = time.monotonic() - t0
        after = run_fn(target, b"ok", timeout_s=0.2)  # the next call starts afresh
    assert out.finding is not None and out.finding["kind"] == "hang"
    assert "did not return within 200 ms" in out.finding["message"]
    assert elapsed >= 0.2
    assert after.finding is None


def test_calls_shorter_than_the_timeout_are_never_interrupted_however_long_the_batch(
    tmp_path: Path,
) -> None:
    """30 calls of 10 ms run three timeouts' worth of wall time: only a call's own time
    counts, not the batch's."""
    (tmp_path / "slow.py").write_text(TARGET)
    target = load_target("slow.py:check", str(tmp_path))
    with exec_alarm(0.1):
        outs = [run_fn(target, b"nap", timeout_s=0.1) for _ in range(30)]
    assert all(out.finding is None for out in outs)


def test_the_watchdog_ticks_only_during_its_batch_and_restores_an_earlier_timer(
    tmp_path: Path,
) -> None:
    import signal

    (tmp_path / "slow.py").write_text(TARGET)
    target = load_target("slow.py:check", str(tmp_path))
    earlier = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    before = signal.setitimer(signal.ITIMER_REAL, 30.0)  # a test runner's own alarm, say
    try:
        with exec_alarm(None):
            assert signal.getitimer(signal.ITIMER_REAL)[1] == 0.0  # no watchdog without one
            assert run_fn(target, b"nap").finding is None
        with exec_alarm(0.5):
            assert signal.getitimer(signal.ITIMER_REAL)[1] == 0.125
        delay, interval = signal.getitimer(signal.ITIMER_REAL)
        assert interval == 0.0 and 25.0 < delay <= 30.0
        assert signal.getsignal(signal.SIGALRM) is signal.SIG_IGN
    finally:
        signal.setitimer(signal.ITIMER_REAL, *before)
        signal.signal(signal.SIGALRM, earlier)
