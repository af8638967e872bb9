"""The one validator that `validate`, `run`, `test`, `explore` and `fuzz` share.

Valid means runnable (DECISIONS): each step type's own `check` from the registry rejects what
its handler would reject, and this module adds the rules that span steps (declaration-only
lists, nesting, the file version). It is written against the registry only, so a new step
family is validated the moment it registers. Every error names the file and the JSON pointer
of the bad field, e.g. `/steps/3/steps/0/duration`.
"""

from __future__ import annotations

from fozzy.errors import ArgumentError, FozzyError, ScenarioError
from fozzy.scenario.load import Scenario
from workers.cluster.spec import SpecError, validate_distributed
from workers.engine.durations import DurationError, parse_duration_ms
from workers.steps.registry import CheckError, Step, T, registry

ARGUMENT_CATEGORY = "invalid argument"

DECLARATION_ONLY = (
    "scenario declares only contract/mocking steps and executes no runtime work; `proc_when` "
    "and `http_when` are declarations, not executable actions. Add executable steps such as "
    "`proc_spawn`, `http_request`, or fs/assertion steps."
)


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


def _invalid(path: str, pointer: str, detail: str, category: str) -> FozzyError:
    if category == ARGUMENT_CATEGORY:
        return ScenarioArgumentInvalid(path, pointer, detail)
    return ScenarioInvalid(path, pointer, detail)


def suites_not_executable(path: str, *, for_validate: bool = False) -> str:
    supported = "`steps` or `distributed` for execution" if for_validate else "`steps`"
    return (
        f"scenario file {path} uses `suites` without an executable step DSL "
        f"(v0.1 only supports {supported})"
    )


def validate_scenario(scn: Scenario) -> None:
    """Every rule a run of this scenario would enforce; the first failure raises."""
    if scn.variant == "suites":
        raise ScenarioError(suites_not_executable(scn.path, for_validate=True))
    if scn.variant == "distributed":
        if scn.version != 1:
            raise ScenarioInvalid(
                scn.path,
                "/version",
                f"unsupported distributed scenario version {scn.version} (expected 1)",
            )
        try:
            validate_distributed(scn.doc["distributed"])
        except SpecError as e:
            raise _invalid(scn.path, e.pointer, e.message, e.category) from None
        return
    _check_version(scn)
    validate_steps(scn.doc["steps"], "/steps", scn.path)


def _check_version(scn: Scenario) -> None:
    if scn.version != 1:
        raise ScenarioInvalid(
            scn.path, "/version", f"unsupported scenario version {scn.version} (expected 1)"
        )


def validate_steps(steps: list[Step], pointer: str, path: str) -> None:
    """One step list: the declaration-only rule first, then each step in order, recursing
    into nested step lists where the step is reached (spec §5.2)."""
    reg = registry()
    if steps and all(reg[s["type"]].declaration for s in steps):
        raise ScenarioInvalid(path, pointer, DECLARATION_ONLY)
    for i, s in enumerate(steps):
        ptr = f"{pointer}/{i}"
        sdef = reg[s["type"]]
        for f in sdef.fields:
            if f.type is T.DURATION and s.get(f.name) is not None:
                try:
                    parse_duration_ms(s[f.name])
                except DurationError as e:
                    raise ScenarioArgumentInvalid(path, f"{ptr}/{f.name}", str(e)) from None
        if sdef.check is not None:
            try:
                sdef.check(s)
            except CheckError as e:
                fptr = ptr if e.field is None else f"{ptr}/{e.field}"
                raise _invalid(path, fptr, e.message, e.category) from None
        for f in sdef.fields:
            if f.type is T.STEPS and s.get(f.name) is not None:
                validate_steps(s[f.name], f"{ptr}/{f.name}", path)


def require_steps(scn: Scenario) -> None:
    """The gate for `run` and `test`: only a version-1 steps scenario executes there."""
    if scn.variant == "distributed":
        raise ScenarioError(
            f"scenario file {scn.path} is a distributed scenario; use `fozzy explore`"
        )
    if scn.variant == "suites":
        raise ScenarioError(suites_not_executable(scn.path))
    _check_version(scn)
