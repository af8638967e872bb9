"""Invariants over the final, quiescent state of a schedule, and the `--checker` syntax.

Invariants are checked once, when every script step has run and no message is in flight:
checking them mid-run would report replication that simply has not happened yet. Crashed
nodes are not consulted; every running node is, and a key missing on one running node while
present on another is a divergence (absence counts as a value).
"""

from __future__ import annotations

from typing import Any

from workers.cluster.model import Cluster, ClusterError
from workers.engine.findings import Finding, finding
from workers.engine.quote import opt, q

INVARIANT_KINDS = ("kv_all_equal", "kv_present_on_all", "kv_node_equals")

_FIELDS = {
    "kv_all_equal": ("key",),
    "kv_present_on_all": ("key",),
    "kv_node_equals": ("node", "key", "equals"),
}

Invariant = tuple[str, ...]


class CheckerError(ValueError):
    """A `--checker` list that does not parse; the message names the bad token."""


def parse_checkers(text: str) -> list[dict[str, str]]:
    """`kv_all_equal:K,kv_present_on_all:K,kv_node_equals:N:K:V` → invariant dicts.

    Blank tokens are ignored; an empty list is an error because it would silently turn off
    every invariant. `kv_node_equals` splits into at most three parts, so V may contain `:`.
    """
    out: list[dict[str, str]] = []
    for raw in text.split(","):
        token = raw.strip()
        if not token:
            continue
        kind, sep, rest = token.partition(":")
        kind = kind.strip()
        if kind not in _FIELDS:
            raise CheckerError(
                f"unknown checker {q(kind)} in {q(token)}"
                f" (expected one of: {', '.join(INVARIANT_KINDS)})")
        names = _FIELDS[kind]
        parts = [p.strip() for p in rest.split(":", len(names) - 1)] if sep else []
        if len(parts) != len(names) or not all(parts):
            shape = ":".join(n.upper() for n in names)
            raise CheckerError(f"checker {q(token)} must look like {kind}:{shape}")
        out.append({"type": kind, **dict(zip(names, parts, strict=True))})
    if not out:
        raise CheckerError("--checker needs at least one checker")
    return out


def compile_invariants(invariants: list[dict[str, Any]], nodes: list[str]) -> list[Invariant]:
    """Validate against the effective node list; an unknown node is bad input, not a finding."""
    known = set(nodes)
    out: list[Invariant] = []
    for i, inv in enumerate(invariants):
        kind = inv.get("type")
        if kind not in _FIELDS:
            raise ClusterError(f"invariant {i}: unknown invariant type {q(str(kind))}")
        values: list[str] = [kind]
        for name in _FIELDS[kind]:
            v = inv.get(name)
            if not isinstance(v, str):
                raise ClusterError(f"invariant {i} ({kind}): {name} must be a string")
            values.append(v)
        if kind == "kv_node_equals" and values[1] not in known:
            raise ClusterError(f"invariant {i} ({kind}): unknown node {q(values[1])}")
        out.append(tuple(values))
    return out


def check_final(c: Cluster, invariants: list[Invariant]) -> Finding | None:
    """The first violated invariant, in declared order, on a quiescent state. Its finding's
    `location.invariant` is the invariant's index: shrink keeps it, so a shrunk schedule
    violates the same invariant, not another of the same kind."""
    live = [n for n in c.names if c.running[n]]
    for idx, inv in enumerate(invariants):
        where = {"invariant": idx}
        kind = inv[0]
        if kind == "kv_all_equal":
            key = inv[1]
            values = [c.value(n, key) for n in live]
            if any(v != values[0] for v in values[1:]):
                shown = ", ".join(f"{n}={opt(v)}" for n, v in zip(live, values, strict=True))
                return finding("invariant", kind,
                               f"invariant violated for key {q(key)}: values diverged across"
                               f" nodes ({shown})", where)
        elif kind == "kv_present_on_all":
            key = inv[1]
            for n in live:
                if c.value(n, key) is None:
                    return finding("invariant", kind,
                                   f"invariant violated: key {q(key)} missing on node {q(n)}",
                                   where)
        else:
            node, key, want = inv[1], inv[2], inv[3]
            if c.running[node]:
                got = c.value(node, key)
                if got != want:
                    return finding("invariant", kind,
                                   f"invariant violated: expected {node}.{key} == {q(want)},"
                                   f" got {opt(got)}", where)
    return None
