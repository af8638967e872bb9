"""What "the same failure" means to the shrinkers, in one place.

A signature is the run's status plus the kind and title of its first finding in report order.
For steps scenarios the failure is also pinned to the top-level step of the *original*
scenario that raised it: removing an earlier step can make a later assertion with the same
title fail instead (two `get_kv_assert`s on one key), which is a different bug that happens to
look alike. Candidates are reductions of the original, so the failing step's index in a
candidate maps back through the candidate's origins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fozzy.shrink.steps import Candidate

Signature = tuple[str, str, str]


def signature(status: str, findings: list[dict[str, Any]]) -> Signature:
    """Status and the first finding's kind and title, in report order."""
    from fozzy.artifacts.summary import collapse_findings

    ordered = collapse_findings(findings) if findings else []
    first = ordered[0] if ordered else {}
    return (status, str(first.get("kind", "")), str(first.get("title", "")))


def describe(sig: Signature) -> str:
    status, kind, title = sig
    return f"{status} ({kind}/{title})" if kind else status


@dataclass(frozen=True)
class StepFailure:
    """A steps run's failure: its signature and the original index of the failing step
    (None: raised after the steps, by the end-of-run checks)."""

    signature: Signature
    step: int | None

    @classmethod
    def of(cls, result: dict[str, Any]) -> StepFailure:
        """The failure of a run of the original scenario."""
        return cls(signature(result["status"], result["findings"]), result.get("failedStep"))

    def matches(self, result: dict[str, Any], candidate: Candidate) -> bool:
        """Whether a candidate's run fails the same way, at the same original step."""
        if signature(result["status"], result["findings"]) != self.signature:
            return False
        return candidate.origin(result.get("failedStep")) == self.step
