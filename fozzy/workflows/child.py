"""Running one fozzy command (or `git`) as a child process that a timeout really stops.

`workers.limits.run_process` starts the child in a session of its own, reads its output
against a byte cap, and at the deadline kills the child's process group and every descendant
it saw (fozzy's pool workers move to groups of their own, so the group alone is not enough).
The child is the same interpreter running `-m fozzy`, so a workflow tests the installed fozzy,
not a second copy.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson

#: Output kept per stream of one step; reports of every fozzy command fit with room to spare.
MAX_STEP_OUTPUT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ChildResult:
    returncode: int | None  # None when the child was killed
    stdout: str
    stderr: str
    timed_out: bool
    doc: Any  # the stdout JSON document, None when there is none

    def error_message(self) -> str:
        """The error envelope's message, or the tail of stderr."""
        if isinstance(self.doc, dict) and self.doc.get("status") == "error":
            return str(self.doc.get("message", ""))
        return self.stderr.strip().splitlines()[-1] if self.stderr.strip() else ""


def fozzy_argv(globals_: list[str], *args: str) -> list[str]:
    return [sys.executable, "-m", "fozzy", *globals_, *args]


def run_child(argv: list[str], timeout_s: float) -> ChildResult:
    from workers.limits import LIMIT, TIMEOUT, run_process

    try:
        out = run_process(argv, os.getcwd(), time.monotonic() + timeout_s, MAX_STEP_OUTPUT_BYTES)
    except OSError as e:
        return ChildResult(None, "", f"failed to start {argv[0]}: {e.strerror or e}", False,
                           None)
    stdout = out.stdout.decode("utf-8", "replace")
    doc: Any = None
    if out.status not in (TIMEOUT, LIMIT):
        try:
            doc = orjson.loads(out.stdout) if out.stdout.strip() else None
        except orjson.JSONDecodeError:
            doc = None
    return ChildResult(out.exit_code, stdout, out.stderr.decode("utf-8", "replace"),
                       out.status == TIMEOUT, doc)
