"""Scenario builders: §8.4's JSON, checked by fozzy's own validator before anything is written.

Field names are the step registry's (`fozzy schema` lists them); the builders add no names of
their own, so a typo is caught by the same strict validator `fozzy run` applies, with the
JSON pointer of the bad field, and a file that `write` produced always validates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fozzy.sdk.errors import FozzyError


class ScenarioInvalidError(FozzyError):
    """The built document would be rejected by `fozzy validate`; `pointer` names the field."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.pointer = pointer


def _obj(type_or_obj: str | dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    if isinstance(type_or_obj, dict):
        if fields:
            raise TypeError("pass either a step object or a type name with fields, not both")
        return dict(type_or_obj)
    return {"type": type_or_obj, **fields}


def validate_document(doc: dict[str, Any], path: str = "<builder>") -> None:
    """Run fozzy's scenario validator on `doc`; raise ScenarioInvalidError on any problem."""
    from fozzy.errors import FozzyError as CliError
    from fozzy.scenario.load import parse_scenario
    from fozzy.scenario.validate import validate_scenario

    try:
        validate_scenario(parse_scenario(doc, path))
    except CliError as e:
        raise ScenarioInvalidError(e.render(), getattr(e, "pointer", "")) from None


def _write(doc: dict[str, Any], path: str | Path) -> Path:
    from fozzy.artifacts.atomic import atomic_write_text

    target = Path(path)
    validate_document(doc, str(target))
    atomic_write_text(target, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return target


class ScenarioBuilder:
    """`{version: 1, name, steps}`: `.step("sleep", duration="10ms")` or `.step({...})`."""

    def __init__(self, name: str, note: str | None = None) -> None:
        self.name = name
        self.note = note
        self.steps: list[dict[str, Any]] = []

    def step(self, type_or_obj: str | dict[str, Any], **fields: Any) -> ScenarioBuilder:
        self.steps.append(_obj(type_or_obj, fields))
        return self

    def trace_event(self, name: str, fields: dict[str, Any] | None = None) -> ScenarioBuilder:
        return self.step("trace_event", name=name, **({} if fields is None else
                                                       {"fields": fields}))

    def assert_ok(self, value: bool, msg: str | None = None) -> ScenarioBuilder:
        return self.step("assert_ok", value=value, **({} if msg is None else {"msg": msg}))

    def set_kv(self, key: str, value: str) -> ScenarioBuilder:
        return self.step("set_kv", key=key, value=value)

    def get_kv_assert(self, key: str, equals: str | None = None) -> ScenarioBuilder:
        return self.step("get_kv_assert", key=key, **({} if equals is None else
                                                      {"equals": equals}))

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"version": 1, "name": self.name}
        if self.note is not None:
            doc["note"] = self.note
        doc["steps"] = [dict(s) for s in self.steps]
        return doc

    def validate(self) -> dict[str, Any]:
        doc = self.to_json()
        validate_document(doc)
        return doc

    def write(self, path: str | Path) -> Path:
        """Validate, then write atomically as 2-space UTF-8 JSON; nothing is written if invalid."""
        return _write(self.to_json(), path)


class DistributedScenarioBuilder:
    """`{version: 1, name, distributed: {nodes | node_count, steps, invariants}}`."""

    def __init__(self, name: str, note: str | None = None) -> None:
        self.name = name
        self.note = note
        self.nodes: list[str] | None = None
        self.node_count: int | None = None
        self.steps: list[dict[str, Any]] = []
        self.invariants: list[dict[str, Any]] = []

    def with_nodes(self, nodes: list[str]) -> DistributedScenarioBuilder:
        """Name the nodes; replaces an earlier `with_node_count` (last call wins)."""
        self.nodes, self.node_count = list(nodes), None
        return self

    def with_node_count(self, count: int) -> DistributedScenarioBuilder:
        """Nodes n0..n{count-1}; replaces an earlier `with_nodes` (last call wins)."""
        self.nodes, self.node_count = None, count
        return self

    def step(self, type_or_obj: str | dict[str, Any], **fields: Any) -> DistributedScenarioBuilder:
        self.steps.append(_obj(type_or_obj, fields))
        return self

    def invariant(
        self, type_or_obj: str | dict[str, Any], **fields: Any
    ) -> DistributedScenarioBuilder:
        self.invariants.append(_obj(type_or_obj, fields))
        return self

    def to_json(self) -> dict[str, Any]:
        dist: dict[str, Any] = {}
        if self.nodes is not None:
            dist["nodes"] = list(self.nodes)
        if self.node_count is not None:
            dist["node_count"] = self.node_count
        dist["steps"] = [dict(s) for s in self.steps]
        dist["invariants"] = [dict(i) for i in self.invariants]
        doc: dict[str, Any] = {"version": 1, "name": self.name}
        if self.note is not None:
            doc["note"] = self.note
        doc["distributed"] = dist
        return doc

    def validate(self) -> dict[str, Any]:
        doc = self.to_json()
        validate_document(doc)
        return doc

    def write(self, path: str | Path) -> Path:
        return _write(self.to_json(), path)
