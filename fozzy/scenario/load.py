"""Reading a scenario file, deciding which variant it is, and parsing it to normalized form.

Classification follows the reference's order (spec §1.3): the first variant that fully parses
wins, so a file with valid `steps` and a `distributed` key is a steps file, and a file whose
steps are broken but that has `suites` is a suites file. When nothing parses, the error names
the JSON pointer of the member that broke the most likely variant, not only "did not match".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from fozzy.errors import ScenarioError
from workers.cluster.spec import parse_distributed
from workers.steps.parse import StepParseError, parse_steps
from workers.steps.registry import INT_RANGES, T, registry

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


class ScenarioParseError(ScenarioError):
    """A file that is not JSON or matches no variant; `pointer` is "" when not field-level."""

    def __init__(self, path: str, detail: str, pointer: str = "") -> None:
        where = f"{pointer}: " if pointer else ""
        super().__init__(f"failed to parse scenario {path}: {where}{detail}. {PARSE_HINT}")
        self.path = path
        self.pointer = pointer
        self.detail = detail


class ScenarioReadError(ScenarioError):
    """A file that cannot be read at all: an IO problem, reported as one."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"failed to read scenario {path}: {reason}")
        self.category = "io error"
        self.path = path


def load_scenario(path: str) -> Scenario:
    """Read, decode and classify `path`; every failure is a ScenarioError naming the file."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise ScenarioReadError(path, e.strerror or str(e)) from None
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise ScenarioParseError(path, f"invalid JSON: {e}") from None
    scn = parse_scenario(raw, path)
    _reject_duplicate_keys(data, scn)
    return scn


def parse_scenario(raw: Any, path: str) -> Scenario:
    """Classify an already-decoded document (§1.3 order) and normalize the winning variant."""
    if not isinstance(raw, dict):
        raise ScenarioParseError(path, f"expected a JSON object at the top level, got {_kind(raw)}")
    failures: dict[str, StepParseError] = {}
    for variant in ("steps", "suites", "distributed"):
        if variant not in raw:
            continue
        try:
            return _parse_variant(raw, path, variant)
        except StepParseError as e:
            failures[variant] = e
    for variant in ("steps", "distributed", "suites"):
        if variant in failures:
            err = failures[variant]
            raise ScenarioParseError(path, err.detail, err.pointer)
    raise ScenarioParseError(path, "missing `steps`, `distributed` or `suites`")


def _parse_variant(raw: dict[str, Any], path: str, variant: str) -> Scenario:
    version = _header(raw)
    name = raw["name"]
    body = raw[variant]
    if variant == "steps":
        steps = parse_steps(body, "/steps")
        doc: dict[str, Any] = {"version": version, "name": name, "steps": steps}
    elif variant == "distributed":
        doc = {"version": version, "name": name, "distributed": parse_distributed(body)}
    else:
        doc = {"version": version, "name": name, "suites": body}
    return Scenario(path, variant, name, version, doc)


def _header(raw: dict[str, Any]) -> int:
    """`version` (u32) and `name` (string); both are required by every variant."""
    version = raw.get("version")
    if version is None:
        raise StepParseError("/version", "missing required field `version`")
    lo, hi = INT_RANGES[T.U32]
    if not isinstance(version, int) or isinstance(version, bool):
        raise StepParseError("/version", f"expected u32, got {_kind(version)}")
    if not lo <= version <= hi:
        raise StepParseError("/version", f"integer {version} out of range for u32")
    name = raw.get("name")
    if name is None:
        raise StepParseError("/name", "missing required field `name`")
    if not isinstance(name, str):
        raise StepParseError("/name", f"expected string, got {_kind(name)}")
    return version


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


class _Dup(dict[str, Any]):
    """An object that repeated a key; `dup` is the first repeated key."""

    dup: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out and not isinstance(out, _Dup):
            out = _Dup(out)
            out.dup = k
        out[k] = v
    return out


def _reject_duplicate_keys(data: bytes, scn: Scenario) -> None:
    """Fixed-shape objects (top level, steps, the distributed definition, its steps and
    invariants) must not repeat a key; free-form maps (`fields`, `json`, …) keep the last."""
    tree = json.loads(data, object_pairs_hook=_pairs)
    dup = _find_dup(tree, scn.variant)
    if dup is not None:
        pointer, key = dup
        raise ScenarioParseError(scn.path, f"duplicate key `{key}`", pointer)


def _find_dup(tree: dict[str, Any], variant: str) -> tuple[str, str] | None:
    found = _dup_in(tree, "")
    if found is not None:
        return found
    if variant == "steps":
        return _dup_in_steps(tree["steps"], "/steps")
    if variant == "distributed":
        dist = tree["distributed"]
        found = _dup_in(dist, "/distributed")
        for member in ("steps", "invariants"):
            items = dist.get(member) or []
            for i, item in enumerate(items):
                found = found or _dup_in(item, f"/distributed/{member}/{i}")
        return found
    return None


def _dup_in(obj: Any, pointer: str) -> tuple[str, str] | None:
    return (pointer, obj.dup) if isinstance(obj, _Dup) else None


def _dup_in_steps(steps: list[Any], pointer: str) -> tuple[str, str] | None:
    reg = registry()
    for i, step in enumerate(steps):
        ptr = f"{pointer}/{i}"
        found = _dup_in(step, ptr)
        if found is not None:
            return found
        for f in reg[step["type"]].fields:
            if f.type is T.STEPS and step.get(f.name) is not None:
                found = _dup_in_steps(step[f.name], f"{ptr}/{f.name}")
                if found is not None:
                    return found
    return None
