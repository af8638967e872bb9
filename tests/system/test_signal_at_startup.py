"""A signal that lands while fozzy is still importing its CLI ends the command quietly with
128 + signal — never a `KeyboardInterrupt` traceback from an import (regression found by
scripts/soak.py). The signal is sent from inside the import of typer, so it lands there
every time (a signal before Python itself is initialised is out of fozzy's hands)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.system.signal_defaults import default_signals

CODE = """
import os, signal, sys

class SignalDuringImport:
    def find_spec(self, name, path, target=None):
        if name == "typer":
            os.kill(os.getpid(), {signum})
        return None

sys.meta_path.insert(0, SignalDuringImport())
sys.argv = ["fozzy", "version"]
from fozzy.cli.entry import main
main()
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_start_up_exits_quietly(signum: int) -> None:
    r = subprocess.run([sys.executable, "-c", CODE.format(signum=int(signum))],
                       capture_output=True, text=True, timeout=60, check=False,
                       preexec_fn=default_signals)
    assert r.returncode == 128 + signum, r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr, r.stderr
