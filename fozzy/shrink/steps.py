"""Shrinking a steps scenario: remove top-level steps, then nested steps, then simplify inputs.

Each pass proposes candidates; `still_fails` evaluates a batch of them on the worker pool. A
candidate must fail the same way as the original: the same signature (status, finding kind and
title) raised by the same step of the original scenario. So each candidate carries, for each
of its top-level steps, the index that step had in the original (`Candidate.origins`): the
oracle maps the candidate's failing step back through it.

Only `Role.INPUT` fields are simplified. Oracles (`equals`, `expect_*`, `*_when` rules) and
control fields (the key an assertion reads, names, paths) are what the failure *means*: a
shrinker that edits them can turn `get_kv_assert user == bob` into `get_kv_assert "" == ""`,
a different, trivial failure.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fozzy.shrink.ddmin import ShrinkStats, ddmin, first_failing
from workers.engine.durations import DurationError, parse_duration_ms
from workers.steps.paths import Path, copy_path, step_at
from workers.steps.registry import INT_RANGES, CheckError, Role, Step, T, registry

Steps = list[Step]
Tagged = list[tuple[int, Step]]  # (index in the original scenario, step)


@dataclass(frozen=True)
class Candidate:
    """A candidate scenario and, per top-level step, its index in the original scenario."""

    steps: Steps
    origins: tuple[int, ...]

    def origin(self, index: int | None) -> int | None:
        """The original index of the candidate's step `index` (None stays None: a failure
        raised after the steps, by the end-of-run checks)."""
        return None if index is None else self.origins[index]


StepsOracle = Callable[[list[Candidate]], list[bool]]


def _candidate(tagged: Tagged) -> Candidate:
    return Candidate([s for _, s in tagged], tuple(o for o, _ in tagged))


def _retag(tagged: Tagged, steps: Steps) -> Tagged:
    """Rewritten steps in the same positions keep their origins."""
    return list(zip((o for o, _ in tagged), steps, strict=True))


def _nested_paths(steps: Steps, prefix: Path = ()) -> Iterator[Path]:
    """Paths (indexes) of every step that owns a nested list, outermost first."""
    reg = registry()
    for i, s in enumerate(steps):
        for f in reg[s["type"]].fields:
            if f.type is T.STEPS:
                yield (*prefix, i)
                yield from _nested_paths(s[f.name], (*prefix, i))


def _with_nested(steps: Steps, path: Path, nested: Steps) -> Steps:
    out, step = copy_path(steps, path)
    step["steps"] = nested
    return out


def _smaller_values(value: Any, ftype: T) -> list[Any]:
    if ftype in (T.STR,) and isinstance(value, str) and value:
        return [v for v in ("", value[: len(value) // 2]) if v != value]
    if ftype is T.DURATION and isinstance(value, str):
        try:
            ms = parse_duration_ms(value)
        except DurationError:
            return []
        return [f"{v}ms" for v in (0, 1, ms // 2) if v < ms]
    if ftype in INT_RANGES and isinstance(value, int) and value not in (0, 1):
        lo, _ = INT_RANGES[ftype]
        return [v for v in (0, 1, value // 2) if v >= lo and v != value]
    if ftype is T.STR_LIST and isinstance(value, list) and value:
        return [value[:-1], value[1:]]
    if ftype in (T.STR_MAP, T.OBJECT) and isinstance(value, dict) and value:
        return [{}]
    return []


def _valid(step: Step) -> bool:
    check = registry()[step["type"]].check
    if check is None:
        return True
    try:
        check(step)
    except CheckError:
        return False
    return True


def value_candidates(steps: Steps) -> Iterator[Steps]:
    """One candidate per (step, INPUT field, smaller value), in step order."""
    reg = registry()

    def walk(path: Path) -> Iterator[Steps]:
        container = steps if not path else step_at(steps, path)["steps"]
        for i, s in enumerate(container):
            for f in reg[s["type"]].fields:
                if f.type is T.STEPS:
                    yield from walk((*path, i))
                    continue
                if f.role is not Role.INPUT or s[f.name] is None:
                    continue
                for smaller in _smaller_values(s[f.name], f.type):
                    cand, target = copy_path(steps, (*path, i))
                    target[f.name] = smaller
                    if _valid(target):
                        yield cand

    yield from walk(())


def shrink_steps(
    steps: Steps,
    still_fails: StepsOracle,
    stats: ShrinkStats,
    budget_left: Callable[[], bool],
    width: int = 1,
) -> Steps:
    return shrink_candidate(steps, still_fails, stats, budget_left, width).steps


def shrink_candidate(
    steps: Steps,
    still_fails: StepsOracle,
    stats: ShrinkStats,
    budget_left: Callable[[], bool],
    width: int = 1,
) -> Candidate:
    """Run the passes until none makes progress (or the budget ends). `width` is how many
    candidates are evaluated at once (the pool's workers); it never changes the result."""

    def top_oracle(cands: list[Tagged]) -> list[bool]:
        return still_fails([_candidate(c) for c in cands])

    current: Tagged = list(enumerate(steps))
    while budget_left():
        before = current
        current = ddmin(current, top_oracle, stats, budget_left, width=width)
        # Deepest first: shrinking an inner list never moves the paths of outer ones.
        for path in reversed(list(_nested_paths([s for _, s in current]))):
            if not budget_left():
                break
            nested = step_at([s for _, s in current], path)["steps"]
            if not nested:
                continue

            def nested_oracle(
                cands: list[Steps], path: Path = path, base: Tagged = current
            ) -> list[bool]:
                plain = [s for _, s in base]
                return still_fails([_candidate(_retag(base, _with_nested(plain, path, c)))
                                    for c in cands])

            smaller = ddmin(nested, nested_oracle, stats, budget_left, min_len=0, width=width)
            if len(smaller) < len(nested):
                current = _retag(current, _with_nested([s for _, s in current], path, smaller))
        current = _simplify_values(current, still_fails, stats, budget_left, width)
        if current == before:
            break
    return _candidate(current)


def _simplify_values(
    tagged: Tagged,
    still_fails: StepsOracle,
    stats: ShrinkStats,
    budget_left: Callable[[], bool],
    width: int,
) -> Tagged:
    """Try smaller input values a wave at a time; restart from the first accepted candidate
    (values are generated lazily: a scenario with many fields has many candidates, and most
    of them are never needed once one is accepted)."""
    current = tagged

    def oracle(cands: list[Tagged]) -> list[bool]:
        return still_fails([_candidate(c) for c in cands])

    while budget_left():
        candidates = (_retag(current, c) for c in value_candidates([s for _, s in current]))
        while True:
            wave = list(itertools.islice(candidates, width))
            if not wave:
                return current
            winner = first_failing(wave, oracle, stats, width)
            if winner is not None:
                current = winner
                break
            if not budget_left():
                stats.out_of_budget = True
                return current
    stats.out_of_budget = True
    return current
