"""One exception tree for every command-level error, and the one place exit codes live."""

from __future__ import annotations

EXIT_CODES = {"pass": 0, "fail": 1, "error": 2, "timeout": 3, "crash": 4}

# Worst-first order for combining several scenario statuses into one suite status.
SEVERITY = {"pass": 0, "skipped": 0, "fail": 1, "timeout": 2, "crash": 3, "error": 4}


def exit_code(status: str) -> int:
    return EXIT_CODES.get(status, 2)


def worst(statuses: list[str]) -> str:
    return max(statuses, key=lambda s: SEVERITY.get(s, 4), default="pass")


class FozzyError(Exception):
    """Bad input or an impossible request: a one-line message and exit 2.

    `category` prefixes the message (`scenario error`, `config error`, `trace error`, …).
    """

    exit_code = 2

    def __init__(self, message: str, category: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.category = category

    def render(self) -> str:
        if self.category == "error":
            return self.message
        return f"{self.category}: {self.message}"


class ConfigError(FozzyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "config error")


class ScenarioError(FozzyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "scenario error")


class ArgumentError(FozzyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "invalid argument")


class TraceError(FozzyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "trace error")


class IoError(FozzyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "io error")
