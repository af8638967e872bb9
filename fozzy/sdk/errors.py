"""The SDK's exception tree: every failure a caller can meet derives from `FozzyError`.

Spawn failures also derive from `OSError` (errno preserved) so code written against plain
`subprocess` habits (`except FileNotFoundError`) keeps working next to `except FozzyError`.
"""

from __future__ import annotations

from typing import Any


class FozzyError(Exception):
    """Base of everything the SDK raises on purpose."""


class SpawnError(FozzyError, OSError):
    """The `fozzy` executable could not be started (missing, not executable, …).

    `errno`, `strerror` and `filename` are those of the underlying OSError, and the matching
    OSError subclass is a base too (`FileNotFoundError`, `PermissionError`) when one exists.
    """

    def __init__(self, err: OSError, bin_: str) -> None:
        OSError.__init__(self, err.errno, err.strerror or str(err), bin_)
        self.bin = bin_

    def __str__(self) -> str:
        return f"cannot start fozzy executable {self.bin!r}: {self.strerror} (errno {self.errno})"


class _SpawnNotFound(SpawnError, FileNotFoundError):
    pass


class _SpawnPermission(SpawnError, PermissionError):
    pass


def spawn_error(err: OSError, bin_: str) -> SpawnError:
    """The most specific SpawnError for `err`, so both `except` styles catch it."""
    if isinstance(err, FileNotFoundError):
        return _SpawnNotFound(err, bin_)
    if isinstance(err, PermissionError):
        return _SpawnPermission(err, bin_)
    return SpawnError(err, bin_)


class FozzyTimeout(FozzyError, TimeoutError):
    """The call outlived its `timeout`; the child and its process tree were killed."""

    def __init__(self, args: list[str], timeout: float) -> None:
        super().__init__(f"fozzy {' '.join(args)} did not finish within {timeout}s")
        self.args_ = args
        self.timeout = timeout


class CommandError(FozzyError):
    """fozzy refused the command (exit 2, or an exit code outside the documented ones).

    `code` and `status` come from the `{"status", "code", "message"}` envelope (`validate`'s
    own `{ok, error}` document maps to code "invalid"); `document` is that last JSON document
    and `documents` every one stdout held (a strict-mode rejection prints the summary first).
    """

    def __init__(
        self,
        exit_code: int,
        status: str,
        code: str,
        message: str,
        document: dict[str, Any] | None,
        documents: list[Any],
        stderr: str,
    ) -> None:
        super().__init__(f"fozzy exited {exit_code}: {message}")
        self.exit_code = exit_code
        self.status = status
        self.code = code
        self.message = message
        self.document = document
        self.documents = documents
        self.stderr = stderr


class ProtocolError(FozzyError):
    """fozzy's stdout was not the JSON document its exit code promises."""

    def __init__(self, message: str, stdout: str, stderr: str) -> None:
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr
