"""Diagnostics on stderr at the level `--log` chose; stdout never carries them.

Any coordinator module (cli, modes, executor) reports what it is doing through `warn`,
`info`, `debug` or `trace`; the global `--log LEVEL` flag (default `info`) decides which
reach stderr, so `--json` stdout stays exactly one document whatever the level. Filtering is
one integer comparison, and stdlib `logging` is imported and configured only when a message
is actually emitted: a command that logs nothing pays nothing at start-up.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

#: The `--log` levels, quietest last, mapped onto stdlib numbers (`trace` sits below DEBUG).
LEVELS: dict[str, int] = {"trace": 5, "debug": 10, "info": 20, "warn": 30, "error": 40}
#: What the reference SDK passes on every call, and what a plain invocation uses.
DEFAULT_LEVEL = "info"

_NAMES = {number: name for name, number in LEVELS.items()}
_threshold = LEVELS[DEFAULT_LEVEL]
_logger: logging.Logger | None = None

Message = str | Callable[[], str]


class LevelError(ValueError):
    """A `--log` value that is not one of LEVELS."""


def set_level(name: str) -> None:
    """Make `name` (case-insensitive) the threshold; raises LevelError for anything else."""
    global _threshold
    number = LEVELS.get(name.lower())
    if number is None:
        raise LevelError(f"--log must be one of {'|'.join(LEVELS)}, got {name!r}")
    _threshold = number
    if _logger is not None:
        _logger.setLevel(number)


def enabled(name: str) -> bool:
    return LEVELS[name] >= _threshold


def _get_logger() -> logging.Logger:
    global _logger
    if _logger is None:
        import logging

        class _Stderr(logging.Handler):
            """`level: message` lines on the current `sys.stderr` (tests may swap it)."""

            def emit(self, record: logging.LogRecord) -> None:
                name = _NAMES.get(record.levelno, record.levelname.lower())
                sys.stderr.write(f"{name}: {record.getMessage()}\n")

        _logger = logging.getLogger("fozzy")
        _logger.handlers[:] = [_Stderr()]
        _logger.propagate = False
        _logger.setLevel(_threshold)
    return _logger


def log(name: str, message: Message) -> None:
    """Emit `message` at level `name` if enabled; a callable is only called when it is."""
    number = LEVELS[name]
    if number < _threshold:
        return
    _get_logger().log(number, "%s", message() if callable(message) else message)


def warn(message: Message) -> None:
    log("warn", message)


def info(message: Message) -> None:
    log("info", message)


def debug(message: Message) -> None:
    log("debug", message)


def trace(message: Message) -> None:
    log("trace", message)
