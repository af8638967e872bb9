"""How a command stopped by SIGINT/SIGTERM/SIGHUP says so in its partial report.

The signal reaches Python as `KeyboardInterrupt` (fozzy.cli.signals). A long-running mode
(test, fuzz, explore) catches it around its work, keeps what it has done so far and still
writes its report, with this finding added and the run's status at least `fail`, so a
partial report can never pass for a finished one. The command then sees the finding and
exits `128 + signal`.
"""

from __future__ import annotations

from typing import Any

from fozzy.errors import worst

TITLE = "interrupted"


def interrupted_finding(message: str) -> dict[str, Any]:
    return {"kind": "hang", "title": TITLE, "message": message}


def interrupted_status(status: str) -> str:
    return worst([status, "fail"])


def was_interrupted(summary: dict[str, Any]) -> bool:
    return any(f.get("title") == TITLE for f in summary.get("findings") or [])
