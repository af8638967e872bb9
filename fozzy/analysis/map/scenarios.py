"""What each scenario under the scenario root can vouch for, and which ones cannot vouch at all.

A scenario counts as evidence only if fozzy would run it: every `*.fozzy.json` is read as a
regular, bounded file and put through fozzy's own loader and validator (the ones `validate`,
`run` and `test` use). The reference falls back to lenient metadata for a file that is JSON but
not a valid scenario, so a broken scenario silently counts as coverage; here such a file is
listed in `invalid` with the validator's message and excluded. Files that cannot be read or
are not JSON go to `unreadable`; steps scenarios made only of declarations (`proc_when`,
`http_when`) run nothing and go to `declaration_only`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fozzy.analysis.map.scan import SCENARIO_SKIP_DIRS, check_deadline, walk

SCENARIO_SUFFIX = ".fozzy.json"
#: Minimum token length: shorter pieces (`fs`, `db`, `v2`) match far too much.
MIN_TOKEN = 3
_SPLIT = re.compile(r"[^A-Za-z0-9]+")
#: Name tokens that mark a scenario as evidence for a suite, whatever its steps.
NAME_FLAGS = {
    "explore": ("explore", "distributed"),
    "fuzz": ("fuzz",),
    "host": ("host", "proc", "http"),
    "memory": ("memory",),
    "shrink": ("shrink",),
}
HOST_STEPS = frozenset(("proc_when", "proc_spawn", "http_request"))
FAILURE_STEPS = frozenset(("fail", "panic", "assert_throws", "assert_rejects"))
DISTRIBUTED_FAILURE_STEPS = frozenset(("crash", "partition"))


def tokenize(text: str) -> set[str]:
    return {p.lower() for p in _SPLIT.split(text) if len(p) >= MIN_TOKEN}


@dataclass(frozen=True)
class Facts:
    path: str  # relative to the scenario root, `/`-separated
    name: str
    tokens: frozenset[str]
    variant: str = "steps"  # or "distributed"
    node_count: bool = False  # a distributed scenario sized by `node_count` (`--nodes` applies)
    explore: bool = False
    fuzz: bool = False
    host: bool = False
    memory: bool = False
    shrink: bool = False
    failure: bool = False


@dataclass
class ScenarioScan:
    root: str  # absolute
    exists: bool = True
    facts: list[Facts] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    declaration_only: list[str] = field(default_factory=list)


def _walk_steps(steps: list[dict[str, Any]]) -> list[str]:
    """Every step type, nested step lists included (iteratively)."""
    from workers.steps.registry import T, registry

    reg = registry()
    types: list[str] = []
    pending = [steps]
    while pending:
        for s in pending.pop():
            types.append(s["type"])
            pending.extend(s[f.name] for f in reg[s["type"]].fields
                           if f.type is T.STEPS and s.get(f.name) is not None)
    return types


def facts_for(rel: str, variant: str, name: str, doc: dict[str, Any]) -> Facts:
    tokens = frozenset(tokenize(rel.rsplit("/", 1)[-1]) | tokenize(rel) | tokenize(name))
    flags = {flag: any(t in tokens for t in words) for flag, words in NAME_FLAGS.items()}
    failure = node_count = False
    if variant == "steps":
        types = _walk_steps(doc["steps"])
        flags["host"] |= any(t in HOST_STEPS or t.startswith("fs_") for t in types)
        flags["memory"] |= any(t.startswith("memory_") for t in types)
        failure = any(t in FAILURE_STEPS for t in types)
    else:
        flags["explore"] = flags["shrink"] = True
        spec = doc["distributed"]
        failure = any(s["type"] in DISTRIBUTED_FAILURE_STEPS for s in spec["steps"])
        node_count = spec.get("node_count") is not None
    return Facts(rel, name, tokens, variant, node_count, failure=failure, **flags)


def _classify(base: Path, rel: str, out: ScenarioScan) -> None:
    from workers.scenario_core import (
        DECLARATION_ONLY,
        PARSE,
        READ,
        ScenarioProblem,
        read_doc,
        validate_doc,
    )

    path = str(base / rel)
    try:
        loaded = read_doc(path)
        validate_doc(loaded, path)
    except ScenarioProblem as p:
        if p.kind == READ or (p.kind == PARSE and p.detail.startswith("invalid JSON")):
            out.unreadable.append(f"{rel}: {p.detail}")
        elif p.detail == DECLARATION_ONLY and p.pointer == "/steps":
            out.declaration_only.append(rel)
        else:
            out.invalid.append(f"{rel}: {p.pointer or '/'}: {p.detail}")
        return
    out.facts.append(facts_for(rel, loaded.variant, loaded.name, loaded.doc))


def scan_scenarios(root: str, deadline: float | None = None) -> ScenarioScan:
    """Facts for every runnable scenario below `root`; the rest sorted into why not."""
    base = Path(root)
    out = ScenarioScan(root=os.path.abspath(root))
    if not base.is_dir():
        out.exists = False
        return out
    listing_errors: list[str] = []
    for rel in walk(base, lambda n: n.endswith(SCENARIO_SUFFIX), SCENARIO_SKIP_DIRS,
                           listing_errors, deadline):
        check_deadline(deadline, "scenario scan")
        _classify(base, rel, out)
    out.unreadable.extend(listing_errors)
    return out
