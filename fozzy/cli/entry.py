"""The `fozzy` console script: a signal during start-up ends the command quietly.

Importing the CLI takes tens of milliseconds; a Ctrl-C or SIGTERM that lands then would
otherwise print a `KeyboardInterrupt` traceback from the middle of an import. Until the
application installs its own handlers (`fozzy.cli.signals.install`), these signals exit
`128 + signal` without output, as nothing has started that needs cleaning up.

A `fuzz` command whose arguments `fozzy.cli.fast` reads completely starts without Typer;
every other command line goes to the Typer application.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import sys
from types import FrameType
from typing import NoReturn

_EARLY = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _quiet_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    from fozzy import startup

    startup.pause()
    for signum in _EARLY:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _quiet_exit)
    from fozzy.cli.fast import main as fast_main

    try:
        code = fast_main(sys.argv[1:])
        if code is not None:
            _exit_after_handlers(code)
        from fozzy.cli.app import main as app_main

        startup.resume()
        app_main(sys.argv[1:])
    finally:
        _skip_final_collections()


def _exit_after_handlers(code: int) -> NoReturn:
    """End a finished fast-path command as the interpreter would — exit handlers, then the
    flushed standard streams — but without its teardown, which frees every object of the
    imported CLI, engine and campaign one by one (~3.5 ms of a fuzz command's wall time,
    after its answer is out). Only where no `threading` thread can exist: those are the
    interpreter's to join first, so with `threading` imported (a Dask cluster) the ordinary
    exit runs. A flush that fails is left to the ordinary exit too, which reports it."""
    if "threading" in sys.modules:
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def _skip_final_collections() -> None:
    """Interpreter shutdown runs full collections over every object still alive — the
    imported CLI and engine, a suite's entries — which cost ~10 ms of a command's wall time
    after its answer was printed. The process is ending, so nothing is left for a collection
    to reclaim: freezing moves it all out of the collector's sight. Exit handlers, flushes and
    reference-count frees still run as before."""
    gc.freeze()
