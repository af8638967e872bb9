"""A trace writer killed with SIGKILL never leaves a partial file at the final path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from fozzy.trace.verify import verify_trace
from fozzy.trace.writer import resolve_target, write_trace

# The child builds a large trace, reserves t.fozzy and writes it. Its os.fsync (called after
# the temp file is complete and before the rename) announces itself and blocks, so the parent
# kills it at a known point rather than by timing luck.
CHILD = textwrap.dedent(
    """
    import os, sys, time
    from fozzy.trace.model import build_trace
    from fozzy.trace.writer import resolve_target, write_trace

    events = [{"time_ms": i, "name": "tick", "fields": {"i": i}} for i in range(200_000)]
    doc = build_trace(mode="run", scenario_path=None, scenario=None, decisions=[],
                      events=events,
                      summary={"status": "pass", "mode": "run", "identity": {"seed": 1}})
    target = resolve_target("t.fozzy", "error")
    if sys.argv[1] == "block-in-fsync":
        def fsync(fd):
            sys.stdout.write("in-fsync\\n")
            sys.stdout.flush()
            time.sleep(3600)
        os.fsync = fsync
    sys.stdout.write("writing\\n")
    sys.stdout.flush()
    write_trace(target, doc)
    sys.stdout.write("done\\n")
    sys.stdout.flush()
    """
)


def start(tmp_path: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, mode], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )


def wait_line(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdout is not None
    for got in proc.stdout:
        if got.strip() == line:
            return
    raise AssertionError(f"child exited before printing {line!r}")


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_kill_after_temp_file_is_complete_leaves_no_final_file(tmp_path: Path) -> None:
    proc = start(tmp_path, "block-in-fsync")
    try:
        wait_line(proc, "in-fsync")
        temps = list(tmp_path.glob(".t.fozzy.*.tmp"))
        assert len(temps) == 1 and temps[0].stat().st_size > 1_000_000
        kill(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    target = tmp_path / "t.fozzy"
    assert not target.exists()
    # the dead writer's lock is reclaimed at once, with the orphaned temp file
    assert resolve_target(target, "error") == target
    assert not list(tmp_path.glob(".t.fozzy.*.tmp"))
    write_trace(target, {
        "format": "fozzy-trace", "version": 4, "decisions": [], "events": [],
        "summary": {"status": "pass", "mode": "run", "identity": {"seed": 1}},
    })
    assert verify_trace(target, strict=True)["ok"]


def test_kill_at_any_moment_leaves_nothing_or_a_complete_trace(tmp_path: Path) -> None:
    """Kill during the real write (no hook): whatever moment the signal lands, the final path
    either does not exist or holds a trace that verifies."""
    for delay in (0.0, 0.02, 0.05, 0.1, 0.2):
        work = tmp_path / f"d{delay}"
        work.mkdir()
        proc = start(work, "plain")
        try:
            wait_line(proc, "writing")
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        target = work / "t.fozzy"
        if target.exists():
            assert verify_trace(target, strict=True)["ok"]
