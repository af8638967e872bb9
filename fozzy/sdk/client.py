"""`Fozzy`: the synchronous client — raw `exec`/`stream` plus the typed command methods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fozzy.sdk.command import SyncRunner
from fozzy.sdk.options import Options
from fozzy.sdk.process import ExecResult, Stream, child_env, collect
from fozzy.sdk.results import parse_result
from fozzy.sdk.surface import Surface


class Fozzy(SyncRunner, Surface):
    """Drives the `fozzy` executable; every call is one child process, nothing is shared.

    `exec` and `stream` never raise on a non-zero exit; the typed methods (always run with
    `--json`) return the document for exit 0/1/3/4 and raise `CommandError` for exit 2.
    Spawn failures raise `SpawnError` (also an `OSError`), a spent `timeout` `FozzyTimeout`.
    """

    def __init__(
        self,
        bin: str = "fozzy",
        cwd: str | None = None,
        config: str | None = None,
        log: str = "info",
        json: bool = True,
        no_color: bool = False,
        env: Mapping[str, str | None] | None = None,
        timeout: float | None = None,
    ) -> None:
        self.options = Options(bin, cwd, config, log, json, no_color, dict(env or {}), timeout)

    def stream(
        self,
        args: Sequence[str],
        stdin: str | bytes | None = None,
        *,
        timeout: float | None = None,
    ) -> Stream:
        """Start `fozzy <globals> <args>` and iterate its `(source, chunk)` output."""
        return self._stream(self.options.argv(args), stdin, timeout)

    def exec(
        self,
        args: Sequence[str],
        stdin: str | bytes | None = None,
        *,
        timeout: float | None = None,
    ) -> ExecResult:
        """Run to the end; `(code, stdout, stderr)` with output untrimmed."""
        return collect(self.stream(args, stdin, timeout=timeout))

    def command(self, args: Sequence[str]) -> Any:
        """Run one command with `--json` and apply the exit-code contract to its output."""
        return parse_result(collect(self._stream(self.options.argv(args, force_json=True))))

    def _stream(
        self, argv: list[str], stdin: str | bytes | None = None, timeout: float | None = None
    ) -> Stream:
        opts = self.options
        return Stream(argv, opts.cwd, child_env(opts.env), stdin, timeout or opts.timeout)
