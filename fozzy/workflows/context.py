"""What a workflow run knows: its options, the discovered scenarios, what steps produced."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from fozzy.workflows.engine import Skip

#: The reference's workflow seed, used when `--seed` is absent.
WORKFLOW_SEED = 0xC0DEC0DE
#: Wall budget of scenario discovery.
DISCOVERY_BUDGET_S = 15.0
#: Default time limit of one execution step (fuzz gets its own budget on top).
STEP_TIMEOUT_S = 45.0
#: Names that mark a scenario as a negative fixture: expected to fail, kept out of `test_det`.
NEGATIVE_WORDS = ("fail", "leak", "panic", "timeout", "checkers", "assertions")


@dataclass
class Context:
    scenario_root: str
    seed: int
    strict: bool
    tmp: Path
    globals_: list[str]  # global flags every fozzy child gets
    step_timeout_s: float = STEP_TIMEOUT_S
    allow_expected_failures: bool = False
    scenario_filter: str | None = None
    # discovery
    steps_scenarios: list[str] = field(default_factory=list)
    distributed: list[tuple[str, bool]] = field(default_factory=list)  # (path, node_count)
    primary: str | None = None
    # produced by steps
    trace: str | None = None
    record_run: str | None = None
    record_status: str | None = None
    replay_run: str | None = None
    shrunk: str | None = None
    shrunk_status: str | None = None
    fuzz_corpus: str | None = None
    shrink_classification: str | None = None
    abort: Skip | None = None
    interrupted: bool = False  # a signal stopped the workflow (exit 128 + signal)
    guidance: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)

    def tmp_path(self, name: str) -> str:
        return str(self.tmp / name)


def file_name(path: str) -> str:
    return path.rsplit("/", 1)[-1].lower()


def is_host(path: str) -> bool:
    """Scenarios named for the host backends; they run in `host_backends_run` only."""
    return "host" in file_name(path)


def is_negative(path: str) -> bool:
    return any(w in file_name(path) for w in NEGATIVE_WORDS)


def pick_primary(steps: list[str]) -> str | None:
    """The first scenario named `pass` or `example`, else the first (host scenarios aside)."""
    usable = [p for p in steps if not is_host(p)] or steps
    for p in usable:
        if "pass" in file_name(p) or "example" in file_name(p):
            return p
    return usable[0] if usable else None


def discover(ctx: Context) -> list[str]:
    """Fill the context's scenario lists; returns the problems (empty when usable)."""
    import time

    from fozzy.analysis.map.scan import MapError
    from fozzy.analysis.map.scenarios import scan_scenarios

    try:
        found = scan_scenarios(ctx.scenario_root, time.monotonic() + DISCOVERY_BUDGET_S)
    except MapError as e:
        return [e.message]
    if not found.exists:
        return [f"scenario root {ctx.scenario_root} is not a directory"]
    problems = [*found.unreadable, *found.invalid,
                *(f"{p}: declaration-only scenario" for p in found.declaration_only)]
    wanted = (ctx.scenario_filter or "").lower()
    for f in sorted(found.facts, key=lambda f: f.path):
        path = os.path.join(ctx.scenario_root, f.path)
        if wanted and wanted not in path.lower():
            continue
        if f.variant == "steps":
            ctx.steps_scenarios.append(path)
        else:
            ctx.distributed.append((path, f.node_count))
    ctx.primary = pick_primary(ctx.steps_scenarios)
    return problems
