"""`fozzy fuzz` starts without Typer (or multiprocessing) when its command line is one the fast
parser reads, and goes through Typer (and its usage errors) otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_fuzz_command_line_starts_without_typer_or_multiprocessing(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text("def check(data):\n    if data[:1] == b'Z':\n"
                                   "        raise ValueError('z')\n")
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: sys.stderr.write(f\"typer={'typer' in sys.modules}\"\n"
            "    f\" multiprocessing={'multiprocessing' in sys.modules}\"\n"
            "    f\" gc={gc.isenabled()}\\n\"))\n"
            "sys.argv = ['fozzy', *sys.argv[1:]]\n"
            "from fozzy.cli.entry import main\nmain()\n")
    fast = subprocess.run([sys.executable, "-c", code, "--json", "fuzz", "fn:t.py:check",
                           "--crash-only", "--time", "20s", "--seed", "1", "-j", "1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert fast.returncode == 1 and '"status": "fail"' in fast.stdout
    # Its worker was forked bare, and collection, paused during start-up, is back on.
    assert "typer=False multiprocessing=False gc=True" in fast.stderr
    bad = subprocess.run([sys.executable, "-c", code, "fuzz", "fn:t.py:check", "--runs", "x"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "typer=True" in bad.stderr and "gc=True" in bad.stderr
    assert "'x' is not a valid int" in bad.stderr


def test_a_fuzz_worker_runs_its_target_with_the_collector_on(tmp_path: Path) -> None:
    """Collection is paused during the coordinator's start-up; the worker forked from it must
    not inherit the pause (a long campaign's cyclic garbage would never be freed)."""
    (tmp_path / "t.py").write_text("import gc\n\ndef check(data):\n"
                                   "    raise ValueError(f'collector on: {gc.isenabled()}')\n")
    run = subprocess.run([sys.executable, "-m", "fozzy", "--json", "fuzz", "fn:t.py:check",
                          "--runs", "1", "--seed", "1", "-j", "1"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert "collector on: True" in run.stdout and "collector on: False" not in run.stdout


def test_a_fast_fuzz_exit_runs_exit_handlers_and_leaves_threads_to_the_interpreter(
        tmp_path: Path) -> None:
    """The fast path ends without the interpreter's teardown, but only after the exit
    handlers and flushes; a process with a `threading` thread still running exits the
    ordinary way, which waits for it."""
    (tmp_path / "t.py").write_text("def check(data):\n    raise ValueError('found')\n")
    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write('handler ran\\n'))\n"
            "if sys.argv[1] == 'thread':\n"
            "    import threading, time\n"
            "    threading.Thread(target=lambda: (time.sleep(0.5),"
            " sys.stderr.write('thread done\\n'))).start()\n"
            "sys.argv = ['fozzy', *sys.argv[2:]]\n"
            "from fozzy.cli.entry import main\nmain()\n")
    for mode in ("plain", "thread"):
        run = subprocess.run([sys.executable, "-c", code, mode, "--json", "fuzz", "fn:t.py:check",
                              "--runs", "1", "--seed", "1", "-j", "1"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert run.returncode == 1 and run.stdout.rstrip().endswith("}"), run.stderr
        assert "handler ran" in run.stderr
        assert ("thread done" in run.stderr) == (mode == "thread")
