"""`fozzy schema`: the scenario format described from the same tables the parser reads.

Generated from the step registry and the distributed declaration rather than written by hand,
so every step type has its real fields, defaults and an example that parses and validates;
the document cannot fall behind a new step family.
"""

from __future__ import annotations

from typing import Any

from fozzy.schema_ids import SCHEMA_DOC
from workers.cluster.spec import DSTEPS, INVARIANTS, Kind
from workers.steps.registry import NOTE, STEP_ORDER, Field, StepDef, T, registry

SCHEMA_VERSION = SCHEMA_DOC

DURATION_SYNTAX = (
    "DIGITS then one unit of ms|s|m|h, e.g. 250ms, 2s, 5m; surrounding whitespace is "
    "ignored; no fractions, signs, inner spaces, compound forms (1m30s) or other units"
)

FILE_VARIANTS: list[dict[str, Any]] = [
    {
        "name": "steps",
        "requiredTopLevelKeys": ["version", "name", "steps"],
        "minimalExample": {
            "version": 1,
            "name": "example",
            "steps": [{"type": "trace_event", "name": "setup"}],
        },
        "notes": "run with `fozzy run` / `fozzy test`; version must be 1",
    },
    {
        "name": "distributed",
        "requiredTopLevelKeys": ["version", "name", "distributed"],
        "minimalExample": {
            "version": 1,
            "name": "example",
            "distributed": {
                "node_count": 3,
                "steps": [{"type": "client_put", "node": "n0", "key": "k", "value": "v1"}],
                "invariants": [{"type": "kv_all_equal", "key": "k"}],
            },
        },
        "notes": "run with `fozzy explore`; version must be 1; `distributed` takes a "
        "non-empty `nodes` list of names or `node_count` >= 1 (nodes n0..n{count-1}), "
        "`steps` (required, may be empty) and `invariants` (optional)",
    },
    {
        "name": "suites",
        "requiredTopLevelKeys": ["version", "name", "suites"],
        "minimalExample": {"version": 1, "name": "example", "suites": []},
        "notes": "declaration only: `suites` is never inspected or executed",
    },
]


# Documented fields only: what every object accepts beyond its declared fields.
COMMON_FIELDS: dict[str, Any] = {
    NOTE: {
        "type": "string",
        "required": False,
        "where": "the scenario top level, every step (nested ones too), distributed step, "
        "invariant, fault and fault file",
        "notes": "a free-text comment; it never changes a run. Any other undeclared key is "
        "a validation error naming its JSON pointer and the closest valid field",
    },
}


def _field_doc(f: Field) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": f.type.value, "required": f.required, "role": f.role.value}
    if not f.required and f.default is not None:
        doc["default"] = f.default
    if not f.nullable:
        doc["nullable"] = False
    return doc


def _derived_notes(fields: tuple[Field, ...]) -> list[str]:
    notes = []
    durations = [f"`{f.name}`" for f in fields if f.type is T.DURATION]
    if durations:
        notes.append(f"{', '.join(durations)}: duration, DIGITS then ms|s|m|h (durationSyntax)")
    for f in fields:
        if f.type is T.STEPS:
            notes.append(f"`{f.name}` is a nested step list, validated by the same rules")
    return notes


def _join(fields: tuple[Field, ...], *parts: str) -> str:
    text = "; ".join(p for p in parts if p)
    if text:
        return text
    return "no constraints beyond the field types" if fields else "takes no fields"


def _entry(fields: tuple[Field, ...], example: dict[str, Any], notes: str) -> dict[str, Any]:
    return {
        "requiredFields": ["type"] + [f.name for f in fields if f.required],
        "optionalFields": [f.name for f in fields if not f.required],
        "fields": {f.name: _field_doc(f) for f in fields},
        "example": example,
        "notes": notes,
    }


def step_schema(sdef: StepDef) -> dict[str, Any]:
    declaration = (
        "a declaration: it configures behaviour for later steps and does no work itself, so a "
        "step list made only of declarations is rejected"
        if sdef.declaration
        else ""
    )
    notes = _join(sdef.fields, sdef.notes, declaration, *_derived_notes(sdef.fields))
    return _entry(sdef.fields, sdef.example, notes)


def _kind_schema(kind: Kind) -> dict[str, Any]:
    notes = _join(kind.fields, kind.notes, *_derived_notes(kind.fields))
    return _entry(kind.fields, kind.example, notes)


def step_types() -> list[str]:
    """Registered step types: the reference's order first, any others after it."""
    reg = registry()
    ordered = [name for name in STEP_ORDER if name in reg]
    return ordered + [name for name in reg if name not in STEP_ORDER]


def schema_doc() -> dict[str, Any]:
    reg = registry()
    names = step_types()
    return {
        "schemaVersion": SCHEMA_VERSION,
        "fileVariants": FILE_VARIANTS,
        "durationSyntax": DURATION_SYNTAX,
        "commonFields": COMMON_FIELDS,
        "stepTypes": names,
        "distributedStepTypes": list(DSTEPS),
        "distributedInvariantTypes": list(INVARIANTS),
        "stepSchemas": {name: step_schema(reg[name]) for name in names},
        "distributedStepSchemas": {name: _kind_schema(k) for name, k in DSTEPS.items()},
        "distributedInvariantSchemas": {name: _kind_schema(k) for name, k in INVARIANTS.items()},
    }
