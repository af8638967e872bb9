"""Findings and the exception a step raises to fail.

A step handler fails by raising `StepFailed`; the loop turns that into exactly one finding.
Findings are plain dicts (`kind, title, message, location?`) because they cross the process
boundary as JSON unchanged.
"""

from __future__ import annotations

from typing import Any

Finding = dict[str, Any]

ASSERTION = "assertion"
PANIC = "panic"
HANG = "hang"
INVARIANT = "invariant"
CHECKER = "checker"
INPUT_INVALID = "input_invalid"
TARGET_BEHAVIOR = "target_behavior"

KIND_ORDER = (ASSERTION, PANIC, HANG, INVARIANT, CHECKER, INPUT_INVALID, TARGET_BEHAVIOR)


def finding(
    kind: str, title: str, message: str, location: dict[str, Any] | None = None
) -> Finding:
    """A finding dict with members in their serialization order."""
    f: Finding = {"kind": kind, "title": title, "message": message}
    if location:
        f["location"] = location
    return f


class StepFailed(Exception):
    """Raised by a step handler; carries the one finding that describes the failure."""

    def __init__(
        self, kind: str, title: str, message: str, location: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.finding = finding(kind, title, message, location)

    @property
    def is_timeout(self) -> bool:
        return bool(self.finding["kind"] == HANG and self.finding["title"] == "timeout")


def assertion(title: str, message: str, location: dict[str, Any] | None = None) -> StepFailed:
    return StepFailed(ASSERTION, title, message, location)


def checker(title: str, message: str, location: dict[str, Any] | None = None) -> StepFailed:
    return StepFailed(CHECKER, title, message, location)
