"""Structure-aware mutation of a steps scenario's inputs — never its oracles.

Only fields the registry marks `Role.INPUT` change (request bodies, paths, headers, proc args,
fs data), plus the run seed and the duplication or reordering of pure input steps, and only
for the step types an input's `reach` names: those whose inputs reach a real system
(workers.fuzz.mocks; under scripted backends the mock is the system, so only the seed
varies). Expectations stay as written, so any failure a mutant finds is a real disagreement
between the system under test and the scenario. Mutants are re-checked with the registry's
validation rules and discarded if invalid, so they stay runnable.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from workers.fuzz.bytes_mutators import MutationContext, mutate_bytes
from workers.fuzz.bytes_mutators import dictionary_stage as bytes_dictionary_stage
from workers.fuzz.mocks import Reach
from workers.steps.paths import Path, copy_path, step_at
from workers.steps.registry import INT_RANGES, CheckError, Field, Role, Step, StepDef, T, registry

SCENARIO_MUTATORS = ("field", "duplicate_step", "swap_steps", "seed")
MAX_STEPS = 512  # duplication stops here so mutants cannot grow without bound


@dataclass
class ScenarioInput:
    """One fuzz input for a scenario target: the run seed and the (mutated) steps.

    An input is never modified once made (a mutant is a new input that shares the unchanged
    steps), while a corpus entry is the parent of thousands of mutants; so what mutation asks
    of its steps is worked out once per input, on first use.
    """

    seed: int
    steps: list[Step]
    #: the step types that may change (workers.fuzz.mocks.real_step_types); None: every type
    reach: Reach | None = field(default=None, compare=False)
    _slots: list[tuple[Path, Field]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _movable: list[int] | None = field(default=None, init=False, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "steps": self.steps}

    def derive(self, seed: int, steps: list[Step]) -> ScenarioInput:
        """A mutant: new seed and steps, the same reach."""
        return ScenarioInput(seed, steps, self.reach)

    def input_slots(self) -> list[tuple[Path, Field]]:
        """Every (path to a step, INPUT field) of the steps in reach, nested ones included."""
        if self._slots is None:
            self._slots = list(_input_slots(self.steps, self.reach))
        return self._slots

    def movable_steps(self) -> list[int]:
        """Indexes of the top-level steps that may be duplicated or swapped."""
        if self._movable is None:
            reg = registry()
            self._movable = [
                i for i, s in enumerate(self.steps)
                if (self.reach is None or s["type"] in self.reach)
                and _is_input_step(reg[s["type"]], s)
            ]
        return self._movable


def literals(value: Any, out: set[bytes] | None = None) -> set[bytes]:
    """Every string and integer literal of a scenario (oracles included: they are the best
    dictionary for reaching the values a scenario checks)."""
    acc: set[bytes] = set() if out is None else out
    if isinstance(value, str):
        if value and len(value) <= 256:
            acc.add(value.encode())
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        acc.add(str(value).encode())
    elif isinstance(value, dict):
        for k, v in value.items():
            if k != "type":
                literals(v, acc)
    elif isinstance(value, list):
        for v in value:
            literals(v, acc)
    return acc


def _input_slots(steps: list[Step], reach: Reach | None = None, prefix: Path = ()
                 ) -> Iterator[tuple[Path, Field]]:
    """(path to a step, INPUT field) pairs of the step types in `reach` (None: all); a path
    indexes nested `steps` lists."""
    reg = registry()
    for i, s in enumerate(steps):
        in_reach = reach is None or s["type"] in reach
        for f in reg[s["type"]].fields:
            if f.type is T.STEPS:
                yield from _input_slots(s[f.name], reach, (*prefix, i))
            elif f.role is Role.INPUT and in_reach:
                yield (*prefix, i), f


def _is_input_step(sdef: StepDef, s: Step) -> bool:
    if sdef.declaration:
        return False
    has_input = any(f.role is Role.INPUT for f in sdef.fields)
    sets_oracle = any(f.role is Role.ORACLE and s[f.name] is not None for f in sdef.fields)
    return has_input and not sets_oracle


_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def _mutate_str(value: str, rng: random.Random, ctx: MutationContext, names: Sequence[str]) -> str:
    """Byte mutations and dictionary swaps; an absolute URL keeps its scheme, host and port
    (only the path and query change), so fuzzing never sends a request anywhere else."""
    m = _AUTHORITY.match(value)
    if m is None:
        return _mutate_plain(value, rng, ctx, names)
    rest = _mutate_plain(value[m.end():], rng, ctx, names)
    if not rest.startswith(("/", "?", "#")):
        rest = "/" + rest  # anything else would run into the authority (a new port or host)
    return m.group(0) + rest


def _mutate_plain(value: str, rng: random.Random, ctx: MutationContext,
                  names: Sequence[str]) -> str:
    if ctx.dictionary and rng.random() < 0.15:
        return rng.choice(ctx.dictionary).decode(errors="replace")
    data = mutate_bytes(value.encode(), rng, ctx, names)
    return data.decode(errors="replace")


def _mutate_int(value: int, lo: int, hi: int, rng: random.Random) -> int:
    candidates = [lo, hi, 0, 1, value + 1, value - 1, value * 2, value // 2,
                  value + rng.randrange(-256, 257), rng.randrange(lo, hi + 1)]
    if lo < 0:
        candidates.append(-1)
    return min(max(rng.choice(candidates), lo), hi)


def _mutate_json(value: Any, rng: random.Random, ctx: MutationContext, names: Sequence[str]) -> Any:
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        out = dict(value)
        out[key] = _mutate_json(value[key], rng, ctx, names)
        return out
    if isinstance(value, list) and value:
        i = rng.randrange(len(value))
        out_list = list(value)
        out_list[i] = _mutate_json(value[i], rng, ctx, names)
        return out_list
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return _mutate_int(value, -(1 << 63), (1 << 63) - 1, rng)
    if isinstance(value, float):
        return rng.choice((0.0, -value, value * 2, value + 1.0))
    if isinstance(value, str):
        return _mutate_str(value, rng, ctx, names)
    return value


def _mutate_field(
    s: Step, f: Field, rng: random.Random, ctx: MutationContext, names: Sequence[str]
) -> None:
    value = s[f.name]
    t = f.type
    if value is None:
        return
    if t is T.STR:
        s[f.name] = _mutate_str(value, rng, ctx, names)
    elif t in INT_RANGES:
        lo, hi = INT_RANGES[t]
        s[f.name] = _mutate_int(value, lo, hi, rng)
    elif t is T.NUMBER:
        s[f.name] = rng.choice((0.0, 1.0, rng.random(), value / 2 if value else 0.5))
    elif t is T.BOOL:
        s[f.name] = not value
    elif t is T.STR_LIST:
        items = list(value)
        op = rng.randrange(3) if items else 1
        if op == 0:
            i = rng.randrange(len(items))
            items[i] = _mutate_str(items[i], rng, ctx, names)
        elif op == 1:
            word = rng.choice(ctx.dictionary).decode(errors="replace") if ctx.dictionary else ""
            items.insert(rng.randrange(len(items) + 1), word)
        else:
            del items[rng.randrange(len(items))]
        s[f.name] = items
    elif t is T.STR_MAP:
        m = dict(value)
        if m and rng.random() < 0.7:
            k = rng.choice(sorted(m))
            m[k] = _mutate_str(m[k], rng, ctx, names)
        else:
            m[f"x-fozzy-{rng.randrange(1000)}"] = _mutate_str("", rng, ctx, names)
        s[f.name] = m
    elif t in (T.JSON, T.OBJECT):
        s[f.name] = _mutate_json(value, rng, ctx, names)


def _valid(steps: list[Step]) -> bool:
    """The registry's validation rules, so a mutant is never something `validate` rejects."""
    reg = registry()
    for s in steps:
        sdef = reg[s["type"]]
        if sdef.check is not None:
            try:
                sdef.check(s)
            except CheckError:
                return False
        for f in sdef.fields:
            if f.type is T.STEPS and not _valid(s[f.name]):
                return False
    return True


def _applies(base: ScenarioInput, op: str) -> bool:
    movable = base.movable_steps()
    if op == "field":
        return bool(base.input_slots())
    if op == "duplicate_step":
        return bool(movable)
    if op == "swap_steps":
        return any(i + 1 in movable for i in movable)
    return op == "seed"


def applies(base: ScenarioInput, mutators: Sequence[str]) -> bool:
    """Whether any of the scenario mutators can make a mutant of `base` (the seed always
    can; under scripted backends nothing else can, see workers.fuzz.mocks)."""
    return any(_applies(base, op) for op in mutators)


def mutate_scenario(
    base: ScenarioInput,
    rng: random.Random,
    ctx: MutationContext,
    mutators: Sequence[str] = SCENARIO_MUTATORS,
    byte_mutators: Sequence[str] = (),
    attempts: int = 8,
) -> tuple[ScenarioInput, str] | None:
    """One valid mutant and the name of the mutator that made it, or None if none applies."""
    ops = [op for op in mutators if _applies(base, op)]
    for _ in range(attempts if ops else 0):
        op = rng.choice(ops)
        if op == "seed":
            return base.derive(rng.getrandbits(64), base.steps), op
        if op == "field":
            slots = base.input_slots()
            if not slots:
                continue
            path, f = rng.choice(slots)
            steps, target = copy_path(base.steps, path)
            _mutate_field(target, f, rng, ctx, byte_mutators)
            if not _valid([target]):
                continue
            return base.derive(base.seed, steps), op
        idx = base.movable_steps()
        if not idx:
            continue
        steps = list(base.steps)
        i = rng.choice(idx)
        if op == "duplicate_step":
            if len(steps) >= MAX_STEPS:
                continue
            steps.insert(i, steps[i])
        else:
            j = i + 1
            if j >= len(steps) or j not in idx:
                continue
            steps[i], steps[j] = steps[j], steps[i]
        # Moving or repeating whole valid steps keeps every per-step rule satisfied.
        return base.derive(base.seed, steps), op
    return None


def dictionary_stage(base: ScenarioInput, tokens: Sequence[bytes]) -> Iterator[ScenarioInput]:
    """The deterministic dictionary stage over every string input of the scenario (header
    values included): each token at each token boundary, inserted and overwritten. URLs keep
    their authority, as in random mutation."""
    for path, f in base.input_slots():
        step = step_at(base.steps, path)
        value = step[f.name]
        if f.type is T.STR and isinstance(value, str):
            for variant in _string_variants(value, tokens):
                steps, target = copy_path(base.steps, path)
                target[f.name] = variant
                if _valid([target]):
                    yield base.derive(base.seed, steps)
        elif f.type is T.STR_MAP and isinstance(value, dict):
            for key in sorted(value):
                for variant in _string_variants(value[key], tokens):
                    steps, target = copy_path(base.steps, path)
                    target[f.name] = {**value, key: variant}
                    if _valid([target]):
                        yield base.derive(base.seed, steps)


def _string_variants(value: str, tokens: Sequence[bytes]) -> Iterator[str]:
    """The field's value replaced by each token (fields are often whole tokens: a flag, a
    mode), then the boundary insertions and overwrites."""
    m = _AUTHORITY.match(value)
    head, rest = (m.group(0), value[m.end():]) if m else ("", value)
    wholes = [t for t in tokens if t != rest.encode()]
    for data in itertools.chain(wholes, bytes_dictionary_stage(rest.encode(), tokens)):
        text = data.decode(errors="replace")
        if head and not text.startswith(("/", "?", "#")):
            continue
        yield head + text
