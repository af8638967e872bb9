"""The `distributed` scenario variant: its step and invariant declarations, parser and rules.

Declared once here so that the coordinator's loader, validator and `fozzy schema`, and the
explore engine all read the same table: a field the parser accepts is a field the engine
understands, and what validation rejects, explore rejects (DECISIONS "valid means runnable").

The normalized form (what `parse_distributed` returns and jobs carry) is
`{"nodes": [str] | None, "node_count": int | None, "steps": [...], "invariants": [...]}`, each
step and invariant a dict with `type` first and every declared field in declaration order,
absent optionals `None`. The topology is kept as declared (not resolved to names) because
`explore --nodes N` applies only to `node_count` scenarios; `node_names` resolves it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from workers.engine.durations import DurationError, parse_duration_ms
from workers.engine.quote import q
from workers.input_limits import LimitExceeded, limits
from workers.steps.parse import StepParseError, check_keys, json_type_name
from workers.steps.registry import INT_RANGES, Field, Role, T, allowed_keys, opt, req

Spec = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Kind:
    """One distributed step or invariant type: its fields and what `fozzy schema` shows."""

    name: str
    fields: tuple[Field, ...]
    example: dict[str, Any]
    notes: str = ""
    allowed: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", allowed_keys(self.fields))


def _kinds(*kinds: Kind) -> dict[str, Kind]:
    return {k.name: k for k in kinds}


_NODE = req("node", T.STR)
_KEY = req("key", T.STR)

DSTEPS: dict[str, Kind] = _kinds(
    Kind(
        "client_put",
        (_NODE, _KEY, req("value", T.STR, Role.INPUT)),
        {"type": "client_put", "node": "n0", "key": "k", "value": "v1"},
        "writes locally, then replicates to every other node as in-flight messages",
    ),
    Kind(
        "client_get_assert",
        (_NODE, _KEY, opt("equals", T.STR, Role.ORACLE), opt("is_null", T.BOOL, Role.ORACLE)),
        {"type": "client_get_assert", "node": "n0", "key": "k", "equals": "v1"},
        "checks the node's local value when the step runs; set at most one of equals / "
        "is_null=true; with neither, the key must exist",
    ),
    Kind(
        "partition",
        (req("a", T.STR), req("b", T.STR)),
        {"type": "partition", "a": "n0", "b": "n1"},
        "the pair is unordered; messages sent across a partition are dropped",
    ),
    Kind(
        "heal",
        (req("a", T.STR), req("b", T.STR)),
        {"type": "heal", "a": "n0", "b": "n1"},
        "removes the unordered pair's partition",
    ),
    Kind(
        "crash",
        (_NODE,),
        {"type": "crash", "node": "n1"},
        "the node stops; its messages in flight are lost, its KV store survives",
    ),
    Kind("restart", (_NODE,), {"type": "restart", "node": "n1"}, "a crashed node runs again"),
    Kind(
        "tick",
        (req("duration", T.DURATION, Role.INPUT),),
        {"type": "tick", "duration": "10ms"},
        "advances the explore clock; duration is DIGITS then ms|s|m|h",
    ),
)

INVARIANTS: dict[str, Kind] = _kinds(
    Kind(
        "kv_all_equal",
        (_KEY,),
        {"type": "kv_all_equal", "key": "k"},
        "every running node holds the same value (or all lack the key)",
    ),
    Kind(
        "kv_present_on_all",
        (_KEY,),
        {"type": "kv_present_on_all", "key": "k"},
        "every running node holds the key",
    ),
    Kind(
        "kv_node_equals",
        (_NODE, _KEY, req("equals", T.STR, Role.ORACLE)),
        {"type": "kv_node_equals", "node": "n0", "key": "k", "equals": "v1"},
        "the named node holds exactly this value",
    ),
)

DSTEP_ORDER: tuple[str, ...] = tuple(DSTEPS)
INVARIANT_ORDER: tuple[str, ...] = tuple(INVARIANTS)

NODES_FIELD = opt("nodes", T.STR_LIST)
NODE_COUNT_FIELD = opt("node_count", T.U32)
#: The members of the `distributed` object itself (no `type`, no `note`: it is not a step).
DEFINITION_KEYS = frozenset(("nodes", "node_count", "steps", "invariants"))


class SpecError(ValueError):
    """A distributed definition that parses but cannot run; `pointer` names the bad member.

    `category` is the message prefix the CLI shows (`scenario error`, `invalid argument`).
    """

    def __init__(self, pointer: str, message: str, category: str = "scenario error") -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message
        self.category = category


def _scalar(f: Field, value: Any, ptr: str) -> Any:
    t = f.type
    if t in (T.STR, T.DURATION) and isinstance(value, str):
        return value
    if t is T.BOOL and isinstance(value, bool):
        return value
    if t in INT_RANGES and isinstance(value, int) and not isinstance(value, bool):
        lo, hi = INT_RANGES[t]
        if lo <= value <= hi:
            return value
        raise StepParseError(ptr, f"integer {value} out of range for {t.value}")
    if t is T.STR_LIST and isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise StepParseError(f"{ptr}/{i}", f"expected string, got {json_type_name(item)}")
        return list(value)
    raise StepParseError(ptr, f"expected {t.value}, got {json_type_name(value)}")


def _parse_kind(raw: Any, ptr: str, table: dict[str, Kind], what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise StepParseError(ptr, f"expected {what} object, got {json_type_name(raw)}")
    kind = raw.get("type")
    if kind is None:
        raise StepParseError(f"{ptr}/type", f"missing {what} `type`")
    if not isinstance(kind, str):
        raise StepParseError(f"{ptr}/type", f"expected string, got {json_type_name(kind)}")
    decl = table.get(kind)
    if decl is None:
        hint = difflib.get_close_matches(kind, list(table), n=1, cutoff=0.5)
        extra = f" (did you mean `{hint[0]}`?)" if hint else ""
        valid = ", ".join(table)
        raise StepParseError(
            f"{ptr}/type", f"unknown {what} type `{kind}`{extra}; valid types: {valid}"
        )
    check_keys(raw, decl.allowed, ptr, f"`{kind}` {what}")
    out: dict[str, Any] = {"type": kind}
    for f in decl.fields:
        value = raw.get(f.name)
        if value is None:
            if f.required:
                raise StepParseError(
                    f"{ptr}/{f.name}", f"missing required field `{f.name}` for `{kind}`"
                )
            out[f.name] = None
            continue
        out[f.name] = _scalar(f, value, f"{ptr}/{f.name}")
    return out


def _parse_list(raw: Any, ptr: str, table: dict[str, Kind], what: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise StepParseError(ptr, f"expected array of {what}s, got {json_type_name(raw)}")
    return [_parse_kind(item, f"{ptr}/{i}", table, what) for i, item in enumerate(raw)]


def parse_distributed(raw: Any, ptr: str = "/distributed") -> Spec:
    """The normalized definition; raises StepParseError naming the pointer of the bad member.

    Shape only: topology and node references are rules for `validate_distributed`, so a file
    with an empty node list still classifies as distributed and gets that rule's message.
    """
    if not isinstance(raw, dict):
        raise StepParseError(ptr, f"expected distributed object, got {json_type_name(raw)}")
    check_keys(raw, DEFINITION_KEYS, ptr, "the `distributed` definition")
    nodes = raw.get("nodes")
    count = raw.get("node_count")
    if "steps" not in raw or raw["steps"] is None:
        raise StepParseError(f"{ptr}/steps", "missing required field `steps` for `distributed`")
    invariants = raw.get("invariants")
    node_count = None if count is None else _scalar(NODE_COUNT_FIELD, count, f"{ptr}/node_count")
    if node_count is not None and node_count > limits().node_count:
        err = LimitExceeded("`node_count`", limits().node_count, "node_count")
        raise StepParseError(f"{ptr}/node_count", str(err))
    return {
        "nodes": None if nodes is None else _scalar(NODES_FIELD, nodes, f"{ptr}/nodes"),
        "node_count": node_count,
        "steps": _parse_list(raw["steps"], f"{ptr}/steps", DSTEPS, "distributed step"),
        "invariants": []
        if invariants is None
        else _parse_list(invariants, f"{ptr}/invariants", INVARIANTS, "invariant"),
    }


def node_names(spec: Spec) -> list[str]:
    """The declared topology: `nodes` wins over `node_count`, which means `n0 … n{count-1}`."""
    if spec["nodes"] is not None:
        return list(spec["nodes"])
    if spec["node_count"] is not None:
        return [f"n{i}" for i in range(spec["node_count"])]
    return []


def _known(names: list[str]) -> str:
    return ", ".join(names)


def validate_distributed(spec: Spec, ptr: str = "/distributed") -> None:
    """Every rule a run would enforce, in the reference's order; raises SpecError.

    Stricter than the reference where it silently ignored input: duplicate node names (they
    would collapse into one node) and `client_get_assert` with both `equals` and
    `is_null=true` (one of them would be ignored) are errors.
    """
    if spec["nodes"] is not None:
        if not spec["nodes"]:
            raise SpecError(f"{ptr}/nodes", "distributed.nodes must not be empty")
        seen: set[str] = set()
        for i, name in enumerate(spec["nodes"]):
            if name in seen:
                raise SpecError(f"{ptr}/nodes/{i}", f"distributed.nodes repeats node {q(name)}")
            seen.add(name)
    elif spec["node_count"] is not None:
        if spec["node_count"] < 1:
            raise SpecError(f"{ptr}/node_count", "distributed.node_count must be >= 1")
    else:
        raise SpecError(ptr, "distributed requires either nodes:[...] or node_count")
    names = node_names(spec)
    known = set(names)
    for i, s in enumerate(spec["steps"]):
        sptr = f"{ptr}/steps/{i}"
        kind = s["type"]
        if kind in ("partition", "heal"):
            for end in ("a", "b"):
                if s[end] not in known:
                    raise SpecError(
                        f"{sptr}/{end}",
                        "distributed step references unknown partition pair "
                        f"({q(s['a'])}, {q(s['b'])}); known nodes: {_known(names)}",
                    )
        elif kind == "tick":
            try:
                parse_duration_ms(s["duration"])
            except DurationError as e:
                raise SpecError(f"{sptr}/duration", str(e), "invalid argument") from None
        elif s["node"] not in known:
            raise SpecError(
                f"{sptr}/node",
                f"distributed step references unknown node {q(s['node'])}; "
                f"known nodes: {_known(names)}",
            )
        if kind == "client_get_assert" and s["equals"] is not None and s["is_null"] is True:
            raise SpecError(
                f"{sptr}/is_null", "client_get_assert: cannot set both equals and is_null=true"
            )
    for i, inv in enumerate(spec["invariants"]):
        if inv["type"] == "kv_node_equals" and inv["node"] not in known:
            raise SpecError(
                f"{ptr}/invariants/{i}/node",
                f"distributed invariant references unknown node {q(inv['node'])}; "
                f"known nodes: {_known(names)}",
            )
