"""Start signal tests' children with default signal dispositions.

A process inherits ignored signals: under `nohup` SIGHUP is ignored, and a background job
of a non-interactive shell ignores SIGINT. fozzy keeps such a disposition, as every program
should (the user asked for it), so a test of what fozzy does on a signal must give its
child the default disposition or it tests the runner's shell instead of fozzy.
"""

from __future__ import annotations

import signal

RESET = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)


def default_signals() -> None:
    """`preexec_fn` for a child that must see SIGHUP/SIGINT/SIGTERM as a terminal user would."""
    for signum in RESET:
        signal.signal(signum, signal.SIG_DFL)
