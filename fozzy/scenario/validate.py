"""The one validator that `validate`, `run`, `test`, `explore` and `fuzz` share.

Valid means runnable (DECISIONS): each step type's own `check` from the registry rejects what
its handler would reject, and `workers.scenario_core` adds the rules that span steps
(declaration-only lists, nesting, the file version). It is written against the registry only,
so a new step family is validated the moment it registers. Every error names the file and the
JSON pointer of the bad field, e.g. `/steps/3/steps/0/duration`. The rules run on the workers
side too (`fozzy test` validates a suite on its pool); this module maps their problems to the
coordinator's errors.
"""

from __future__ import annotations

from fozzy.errors import ArgumentError, FozzyError, ScenarioError
from fozzy.scenario.load import Scenario, load_error
from workers import scenario_core as core
from workers.scenario_core import DECLARATION_ONLY, ScenarioProblem, suites_not_executable
from workers.steps.registry import Step

ARGUMENT_CATEGORY = core.ARGUMENT_CATEGORY

__all__ = [
    "ARGUMENT_CATEGORY", "DECLARATION_ONLY", "ScenarioArgumentInvalid", "ScenarioInvalid",
    "error_for", "require_steps", "suites_not_executable", "validate_scenario", "validate_steps",
]


class ScenarioInvalid(ScenarioError):
    """A scenario that parses but would be rejected when run."""

    def __init__(self, path: str, pointer: str, detail: str) -> None:
        super().__init__(_located(detail, path, pointer))
        self.path = path
        self.pointer = pointer
        self.detail = detail


class ScenarioArgumentInvalid(ArgumentError):
    """A malformed value inside a scenario (durations): an argument error, as on the CLI."""

    def __init__(self, path: str, pointer: str, detail: str) -> None:
        super().__init__(_located(detail, path, pointer))
        self.path = path
        self.pointer = pointer
        self.detail = detail


def _located(detail: str, path: str, pointer: str) -> str:
    return f"{detail} (in {path} at {pointer or '/'})"


def error_for(problem: ScenarioProblem) -> FozzyError:
    """The coordinator's error for any scenario problem, wherever it was found."""
    if problem.kind == core.INVALID:
        return ScenarioInvalid(problem.path, problem.pointer, problem.detail)
    if problem.kind == core.ARGUMENT:
        return ScenarioArgumentInvalid(problem.path, problem.pointer, problem.detail)
    if problem.kind == core.GATE:
        return ScenarioError(problem.detail)
    return load_error(problem)


def validate_scenario(scn: Scenario) -> None:
    """Every rule a run of this scenario would enforce; the first failure raises."""
    try:
        core.validate_doc(scn.core(), scn.path)
    except ScenarioProblem as p:
        raise error_for(p) from None


def validate_steps(steps: list[Step], pointer: str, path: str) -> None:
    """One step list: the declaration-only rule first, then each step in order, recursing
    into nested step lists where the step is reached (spec §5.2)."""
    try:
        core.validate_steps(steps, pointer, path)
    except ScenarioProblem as p:
        raise error_for(p) from None


def require_steps(scn: Scenario) -> None:
    """The gate for `run` and `test`: only a version-1 steps scenario executes there."""
    try:
        core.require_steps(scn.core(), scn.path)
    except ScenarioProblem as p:
        raise error_for(p) from None
