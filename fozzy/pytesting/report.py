"""What a failing fozzy item says: outcome, findings, seed and how to reproduce it.

The text is the whole failure report (items override `repr_failure`), so it must stand on its
own in a CI log: the status word first, with timeouts and crashes named as such because they
are different problems from a failed assertion (a hang or a dead worker, not a wrong answer).
"""

from __future__ import annotations

from typing import Any

#: What each non-pass status means, in the words a reader of a CI log needs.
STATUS_TEXT = {
    "fail": "FAIL: the scenario's expectations were not met",
    "timeout": "TIMEOUT: the scenario did not finish within its time limit",
    "crash": "CRASH: the worker process running the scenario died",
}


class ScenarioFailed(Exception):
    """A fozzy item's non-pass outcome; its message is the full report."""

    def __init__(self, status: str, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def finding_lines(findings: list[dict[str, Any]]) -> list[str]:
    from fozzy.artifacts.render import finding_line

    lines = []
    for f in findings:
        line = f"  - {finding_line(f)}"
        where = [f"{k} {v}" for k, v in (f.get("location") or {}).items()
                 if k != "file" and isinstance(v, str | int)]
        if where:
            line += f" ({', '.join(where)})"
        lines.append(line)
    return lines or ["  (no findings)"]


def failure_text(status: str, path: str, name: str, seed: int, findings: list[dict[str, Any]],
                 reproduce: str, trace: str | None = None) -> str:
    lines = [f"fozzy {STATUS_TEXT.get(status, status.upper())}",
             f"scenario: {path} ({name!r})", f"seed: {seed}", "findings:"]
    lines += finding_lines(findings)
    if trace is not None:
        lines.append(f"trace: {trace}")
    lines.append(f"reproduce: {reproduce}")
    return "\n".join(lines)
