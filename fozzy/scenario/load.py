"""Reading a scenario file, deciding which variant it is, and parsing it to normalized form.

The rules themselves (§1.3 classification order, duplicate keys, JSON pointers) live in
`workers.scenario_core`, so that `fozzy test` can load a suite on its worker pool; this module
is the coordinator's face of them: the same calls as always, and `ScenarioError`s whose
messages do not depend on which process read the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fozzy.errors import ScenarioError
from workers.scenario_core import PARSE, READ, Loaded, ScenarioProblem, parse_doc, read_doc

VARIANTS = ("steps", "distributed", "suites")

PARSE_HINT = (
    "expected one of: steps variant {version,name,steps:[{type:...}]}, distributed variant "
    "{version,name,distributed:{node_count|nodes,steps,invariants?}}, or suites variant "
    "{version,name,suites}. try `fozzy schema --json` for full step/type definitions and examples."
)


@dataclass(frozen=True)
class Scenario:
    path: str  # as given by the user
    variant: str  # "steps" | "distributed" | "suites"
    name: str
    version: int
    doc: dict[str, Any]

    def core(self) -> Loaded:
        return Loaded(self.variant, self.name, self.version, self.doc)


class ScenarioParseError(ScenarioError):
    """A file that is not JSON or matches no variant; `pointer` is "" when not field-level."""

    def __init__(self, path: str, detail: str, pointer: str = "") -> None:
        where = f"{pointer}: " if pointer else ""
        end = " " if detail.endswith("?") else ". "
        super().__init__(f"failed to parse scenario {path}: {where}{detail}{end}{PARSE_HINT}")
        self.path = path
        self.pointer = pointer
        self.detail = detail


class ScenarioReadError(ScenarioError):
    """A file that cannot be read at all: an IO problem, reported as one."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"failed to read scenario {path}: {reason}")
        self.category = "io error"
        self.path = path


def load_error(problem: ScenarioProblem) -> ScenarioError:
    """The coordinator's error for a problem found while reading or classifying a file."""
    if problem.kind == READ:
        return ScenarioReadError(problem.path, problem.detail)
    if problem.kind == PARSE:
        return ScenarioParseError(problem.path, problem.detail, problem.pointer)
    raise ValueError(f"not a load problem: {problem.kind}")


def load_scenario(path: str) -> Scenario:
    """Read, decode and classify `path`; every failure is a ScenarioError naming the file."""
    try:
        loaded = read_doc(path)
    except ScenarioProblem as p:
        raise load_error(p) from None
    return Scenario(path, loaded.variant, loaded.name, loaded.version, loaded.doc)


def parse_scenario(raw: Any, path: str) -> Scenario:
    """Classify an already-decoded document (§1.3 order) and normalize the winning variant."""
    try:
        loaded = parse_doc(raw, path)
    except ScenarioProblem as p:
        raise load_error(p) from None
    return Scenario(path, loaded.variant, loaded.name, loaded.version, loaded.doc)
