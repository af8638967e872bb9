"""The step registry: each step type is declared once, with its fields and its handler.

The coordinator's parser, validator and `fozzy schema`, and the worker's engine all read this
table, so a step's shape, checks and behaviour cannot drift apart.

A parsed step is a plain dict: `type` first, then every declared field in declaration order,
absent optionals as `None` and defaulted values filled in. That normalized form is what jobs
carry to workers and what traces embed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from workers.engine.runtime import Runtime

Step = dict[str, Any]
Handler = Callable[["Runtime", Step], None]


class T(Enum):
    """Field types as JSON sees them; integer types carry their range."""

    STR = "string"
    BOOL = "bool"
    U16 = "u16"
    I32 = "i32"
    I64 = "i64"
    U32 = "u32"
    U64 = "u64"
    NUMBER = "number"
    JSON = "json"
    OBJECT = "object"
    STR_MAP = "map<string,string>"
    STR_LIST = "array<string>"
    STEPS = "array<step>"
    DURATION = "duration"


INT_RANGES: dict[T, tuple[int, int]] = {
    T.U16: (0, 65535),
    T.I32: (-(1 << 31), (1 << 31) - 1),
    T.I64: (-(1 << 63), (1 << 63) - 1),
    T.U32: (0, (1 << 32) - 1),
    T.U64: (0, (1 << 64) - 1),
}


class Role(Enum):
    """What a field means to a fuzzer: inputs may be mutated, oracles never."""

    INPUT = "input"
    ORACLE = "oracle"
    CONTROL = "control"


#: The Python classes a field of each type takes as they are, with nothing left to check (an
#: exact class: `bool` is not a NUMBER). Parsing a suite tests this first for every field.
Classes: TypeAlias = frozenset[type]

_PLAIN: dict[T, Classes] = {
    T.STR: frozenset({str}), T.DURATION: frozenset({str}), T.BOOL: frozenset({bool}),
    T.NUMBER: frozenset({int, float}), T.OBJECT: frozenset({dict}),
}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: T
    required: bool = True
    default: Any = None
    role: Role = Role.CONTROL
    nullable: bool = True
    #: Derived from `type` once, because parsing and validating a suite consult them per
    #: field of every step (an Enum's hash is a Python-level call).
    plain: Classes = field(init=False, repr=False, compare=False)
    bounds: tuple[int, int] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", _PLAIN.get(self.type, frozenset()))
        object.__setattr__(self, "bounds", INT_RANGES.get(self.type))


def req(name: str, type_: T, role: Role = Role.CONTROL) -> Field:
    return Field(name, type_, True, None, role)


def opt(name: str, type_: T, role: Role = Role.CONTROL, default: Any = None) -> Field:
    return Field(name, type_, False, default, role)


#: The one free-text field every step (and the scenario top level) accepts, so that users who
#: want a comment have a documented place for it instead of a tolerated unknown key: unknown
#: keys are errors, because a misspelled oracle must never pass silently. A note is a comment:
#: parsing checks that it is a string and leaves it out of the normalized step.
NOTE = "note"


def allowed_keys(fields: tuple[Field, ...]) -> frozenset[str]:
    """The keys a user may write in an object declared with `fields`: `type`, `note` and the
    declared fields. Derived from the declaration so there is no second list to forget."""
    return frozenset(("type", NOTE, *(f.name for f in fields)))


class CheckError(Exception):
    """A step that parses but would be rejected at run time; `field` builds the JSON pointer.

    `category` is the message prefix the CLI shows (`scenario error`, `invalid argument`).
    """

    def __init__(self, field: str | None, message: str, category: str = "scenario error") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.category = category


Checker = Callable[[Step], None]


@dataclass(frozen=True, slots=True)
class StepDef:
    name: str
    fields: tuple[Field, ...]
    run: Handler
    check: Checker | None = None
    declaration: bool = False
    example: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    allowed: frozenset[str] = field(init=False)
    #: The fields that hold durations / nested step lists, which validation and the step
    #: count visit in every step of a suite.
    durations: tuple[str, ...] = field(init=False, repr=False, compare=False)
    nested: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", allowed_keys(self.fields))
        object.__setattr__(self, "durations",
                           tuple(f.name for f in self.fields if f.type is T.DURATION))
        object.__setattr__(self, "nested",
                           tuple(f.name for f in self.fields if f.type is T.STEPS))

    @property
    def counts_as_work(self) -> bool:
        return not self.declaration


# The order `fozzy schema` lists step types in.
STEP_ORDER: tuple[str, ...] = (
    "trace_event", "rand_u64", "assert_ok", "assert_eq_int", "assert_ne_int", "assert_eq_str",
    "assert_ne_str", "sleep", "advance", "freeze", "unfreeze", "set_kv", "get_kv_assert",
    "fs_write", "fs_read_assert", "fs_snapshot", "fs_restore", "http_when", "http_request",
    "proc_when", "proc_spawn", "net_partition", "net_heal", "net_set_drop_rate",
    "net_set_reorder", "net_send", "net_deliver_one", "net_recv_assert", "memory_alloc",
    "memory_free", "memory_limit_mb", "memory_fail_after_allocs", "memory_fragmentation",
    "memory_pressure_wave", "memory_checkpoint", "memory_assert_in_use_bytes", "assert_throws",
    "assert_rejects", "assert_eventually_kv", "assert_never_kv", "fail", "panic",
)

_REGISTRY: dict[str, StepDef] = {}


def step(
    name: str,
    *fields: Field,
    check: Checker | None = None,
    declaration: bool = False,
    example: dict[str, Any] | None = None,
    notes: str = "",
) -> Callable[[Handler], Handler]:
    """Declare a step type: its fields, optional run-time-equivalent checks, and its handler."""

    def register(handler: Handler) -> Handler:
        if name in _REGISTRY:
            raise RuntimeError(f"step type {name!r} declared twice")
        _REGISTRY[name] = StepDef(
            name, tuple(fields), handler, check, declaration, example or {"type": name}, notes
        )
        return handler

    return register


def registry() -> dict[str, StepDef]:
    """Every step type, importing the step family modules on first use."""
    if len(_REGISTRY) < len(STEP_ORDER):
        from workers.steps import families  # noqa: F401  (registers every family)
    return _REGISTRY


def get(name: str) -> StepDef | None:
    return registry().get(name)
