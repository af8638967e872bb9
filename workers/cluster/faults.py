"""Fault injection for `explore`: presets and JSON fault files (docs/explore-faults.md).

A fault is a distributed script step (`partition`, `heal`, `crash`, `restart`, `tick`)
inserted into the scenario's script at a position. It becomes an ordinary script step, so
the schedule decides when it lands relative to every message delivery: a partition placed
after a put can cut that put's replication in flight or come after it was delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from workers.cluster.spec import DSTEPS
from workers.engine.durations import parse_duration_ms
from workers.engine.quote import q
from workers.input_limits import limits
from workers.regular_file import read_regular
from workers.steps.parse import StepParseError, check_keys
from workers.steps.registry import NOTE

FAULT_TYPES = ("partition", "heal", "crash", "restart", "tick")

# A fault is a distributed script step, so its fields are that step's declared fields.
_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(f.name for f in DSTEPS[kind].fields) for kind in FAULT_TYPES
}
_ALLOWED: dict[str, frozenset[str]] = {
    kind: DSTEPS[kind].allowed | {"after_step"} for kind in FAULT_TYPES
}
_FILE_KEYS = frozenset(("faults", NOTE))

PRESETS = ("none", "partition-first-two", "heal-first-two", "crash-first", "restart-first")


class FaultError(ValueError):
    """A fault list or fault file that cannot be used; the message names the bad field."""


@dataclass(frozen=True)
class Fault:
    step: dict[str, Any]
    after_step: int
    where: str  # `preset crash-first` or `fault file F: /faults/2`, for error messages


def _preset(name: str, nodes: list[str]) -> list[Fault]:
    where = f"preset {name}"
    need = 2 if name.endswith("two") else 1
    if name == "none":
        return []
    if len(nodes) < need:
        raise FaultError(f"fault preset {name} needs at least {need} nodes, have {len(nodes)}")
    if name in ("partition-first-two", "heal-first-two"):
        kind = name.partition("-")[0]
        return [Fault({"type": kind, "a": nodes[0], "b": nodes[1]}, 0, where)]
    kind = name.partition("-")[0]
    return [Fault({"type": kind, "node": nodes[0]}, 0, where)]


def parse_fault_doc(doc: Any, source: str) -> list[Fault]:
    """Check a fault file's shape. Accepts `{"faults": [...]}` or a bare list of faults."""
    base = "/faults"
    if isinstance(doc, dict):
        _check_keys(doc, _FILE_KEYS, "", "a fault file", source)
        if "faults" not in doc:
            raise FaultError(f"{source}: /faults: missing required field")
        items = doc["faults"]
    else:
        items, base = doc, ""
    if not isinstance(items, list):
        raise FaultError(f"{source}: {base or '/'}: must be a list of faults")
    out: list[Fault] = []
    for i, item in enumerate(items):
        ptr = f"{base}/{i}"
        if not isinstance(item, dict):
            raise FaultError(f"{source}: {ptr}: each fault must be an object")
        kind = item.get("type")
        if "type" not in item:
            raise FaultError(f"{source}: {ptr}/type: missing required field")
        if kind not in _FIELDS:
            raise FaultError(f"{source}: {ptr}/type: unknown fault type {_show(kind)}"
                             f" (expected: {', '.join(FAULT_TYPES)})")
        fields = _FIELDS[kind]
        _check_keys(item, _ALLOWED[kind], ptr, f"`{kind}` fault", source)
        step: dict[str, Any] = {"type": kind}
        for name in fields:
            if name not in item:
                raise FaultError(f"{source}: {ptr}/{name}: missing required field")
            value = item[name]
            if not isinstance(value, str) or not value:
                raise FaultError(f"{source}: {ptr}/{name}: must be a non-empty string")
            if name == "duration":
                try:
                    parse_duration_ms(value)
                except ValueError as e:
                    raise FaultError(f"{source}: {ptr}/duration: {e}") from None
            step[name] = value
        after = item.get("after_step", 0)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise FaultError(f"{source}: {ptr}/after_step: must be an integer >= 0")
        out.append(Fault(step, after, f"{source}: {ptr}"))
    return out


def _check_keys(
    obj: dict[str, Any], allowed: frozenset[str], ptr: str, what: str, source: str
) -> None:
    """The scenario rule for unknown fields and `note`, with fault-file error wording."""
    try:
        check_keys(obj, allowed, ptr, what)
    except StepParseError as e:
        raise FaultError(f"{source}: {e.pointer}: {e.detail}") from None


def _show(value: object) -> str:
    return q(value) if isinstance(value, str) else orjson.dumps(value).decode()


def load_fault_file(path: Path) -> list[Fault]:
    source = f"fault file {path}"
    try:
        raw = read_regular(path, limits().json_bytes, "json_bytes")
    except OSError as e:
        raise FaultError(f"{source}: cannot read: {e.strerror or e}") from None
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise FaultError(f"{source}: invalid JSON: {e}") from None
    return parse_fault_doc(doc, source)


def parse_faults(text: str, nodes: list[str], cwd: Path) -> list[Fault]:
    """`--faults` tokens, in order: preset names, or paths (relative to `cwd`) of fault files."""
    out: list[Fault] = []
    for raw in text.split(","):
        token = raw.strip()
        if not token:
            continue
        if token in PRESETS:
            out.extend(_preset(token, nodes))
            continue
        path = cwd / token
        if not path.exists():
            raise FaultError(f"unknown fault preset or file {q(token)}"
                             f" (presets: {', '.join(PRESETS)}; or a path to a JSON fault file)")
        out.extend(load_fault_file(path))
    return out


def insert_faults(
    steps: list[dict[str, Any]], nodes: list[str], faults: list[Fault]
) -> list[dict[str, Any]]:
    """The script with each fault placed after `after_step` scenario steps, in given order."""
    known = set(nodes)
    slots: list[list[dict[str, Any]]] = [[] for _ in range(len(steps) + 1)]
    for f in faults:
        if f.after_step > len(steps):
            raise FaultError(f"{f.where}/after_step: {f.after_step} is past the end of the"
                             f" scenario ({len(steps)} steps)")
        for name in ("a", "b", "node"):
            value = f.step.get(name)
            if value is not None and value not in known:
                raise FaultError(f"{f.where}/{name}: unknown node {q(value)}"
                                 f" (nodes: {', '.join(nodes)})")
        slots[f.after_step].append(f.step)
    out: list[dict[str, Any]] = []
    for i, slot in enumerate(slots):
        out.extend(slot)
        if i < len(steps):
            out.append(steps[i])
    return out
