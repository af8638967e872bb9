"""SIGTERM and SIGHUP stop a command exactly like Ctrl-C (DECISIONS "Trust and containment").

Ctrl-C already unwinds every command through `KeyboardInterrupt`: the worker pool's context
kills the worker trees, record reservations are released, and `fozzy test` writes its partial
report. CI runners and service managers stop jobs with SIGTERM, and a closed terminal sends
SIGHUP, so those signals raise the same exception; the process then exits `128 + signal` as a
shell would report it. Only the first signal
interrupts: later ones are remembered but ignored, so the cleanup that writes the partial
report and kills the worker trees is not itself cut short.

Forked workers get the default dispositions back: a worker is stopped by its coordinator,
never by an inherited Python handler that would turn SIGTERM into a traceback.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

#: The signals that interrupt a command; SIGINT is listed so its number is recorded too.
HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_received: list[int] = []
_installed: list[int] = []


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    if len(_received) == 1:
        raise KeyboardInterrupt


def _restore_defaults_in_child() -> None:
    _received.clear()
    for signum in _installed:
        signal.signal(signum, signal.SIG_DFL if signum != signal.SIGINT
                      else signal.default_int_handler)


def install() -> None:
    """Route SIGINT/SIGTERM/SIGHUP to `KeyboardInterrupt` (a signal the caller chose to
    ignore, e.g. SIGHUP under `nohup`, stays ignored)."""
    if _installed:
        return
    for signum in HANDLED:
        if signal.getsignal(signum) is signal.SIG_IGN:
            continue
        signal.signal(signum, _interrupt)
        _installed.append(signum)
    os.register_at_fork(after_in_child=_restore_defaults_in_child)


def interrupt_signal() -> int:
    """The signal that interrupted the command (SIGINT when it was a plain Ctrl-C that
    reached Python's default handler)."""
    return _received[0] if _received else int(signal.SIGINT)


def interrupt_exit_code() -> int:
    """`128 + signal`: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + interrupt_signal()


def interrupt_name() -> str:
    return signal.Signals(interrupt_signal()).name
