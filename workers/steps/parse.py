"""Turning raw JSON steps into normalized step dicts, with JSON-pointer errors.

Lives on the workers side because workers parse too (fuzz mutants, replayed scenarios); the
coordinator's scenario loader calls it for files.
"""

from __future__ import annotations

from typing import Any

from workers.steps.registry import NOTE, Field, Step, T, registry


class StepParseError(ValueError):
    """A step that does not match its declared shape; `pointer` names the bad member."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(f"{pointer or '/'}: {detail}")
        self.pointer = pointer
        self.detail = detail


def _closest(name: str, choices: list[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(name, choices, n=1, cutoff=0.0)
    return match[0] if match else None


def check_keys(raw: dict[str, Any], allowed: frozenset[str], ptr: str, what: str) -> None:
    """Documented fields only (DECISIONS "Scenarios"): the first key of `raw` outside
    `allowed` is an error at its own pointer, naming the closest valid field; a `note`, where
    allowed, must be a string. `what` names the object for the message (`proc_spawn` step)."""
    if allowed.issuperset(raw):
        if NOTE in raw and NOTE in allowed:
            note = raw[NOTE]
            if note is not None and not isinstance(note, str):
                raise StepParseError(
                    f"{ptr}/{NOTE}", f"expected string, got {json_type_name(note)}"
                )
        return
    import difflib

    key = next(k for k in raw if k not in allowed)
    hint = difflib.get_close_matches(key, sorted(allowed), n=1)
    extra = f"did you mean `{hint[0]}`?" if hint else f"valid fields: {', '.join(sorted(allowed))}"
    raise StepParseError(f"{ptr}/{_escape(key)}", f"unknown field `{key}` in {what}; {extra}")


def _escape(key: str) -> str:
    """A key as a JSON pointer token (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def json_type_name(value: Any) -> str:
    """How error messages name a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _value(f: Field, value: Any, ptr: str) -> Any:
    """`value` checked against `f`'s type; `ptr` is the step's pointer (the field's pointer is
    only built on error: normalizing a suite must not pay for strings it never shows)."""
    t = f.type
    if t is T.STR or t is T.DURATION:
        if isinstance(value, str):
            return value
    elif t is T.BOOL:
        if isinstance(value, bool):
            return value
    elif f.bounds is not None:
        if isinstance(value, int) and not isinstance(value, bool):
            lo, hi = f.bounds
            if lo <= value <= hi:
                return value
            raise StepParseError(f"{ptr}/{f.name}", f"integer {value} out of range for {t.value}")
    elif t is T.NUMBER:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    elif t is T.JSON:
        return value
    elif t is T.OBJECT:
        if isinstance(value, dict):
            return value
    elif t is T.STR_MAP:
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(v, str):
                    raise StepParseError(
                        f"{ptr}/{f.name}/{k}", f"expected string, got {json_type_name(v)}"
                    )
            return value
    elif t is T.STR_LIST:
        if isinstance(value, list):
            for i, v in enumerate(value):
                if not isinstance(v, str):
                    raise StepParseError(
                        f"{ptr}/{f.name}/{i}", f"expected string, got {json_type_name(v)}"
                    )
            return value
    elif t is T.STEPS:
        return parse_steps(value, f"{ptr}/{f.name}")
    raise StepParseError(f"{ptr}/{f.name}", f"expected {t.value}, got {json_type_name(value)}")


def parse_step(raw: Any, ptr: str) -> Step:
    """One step, normalized; raises StepParseError naming the pointer of the bad member."""
    if not isinstance(raw, dict):
        raise StepParseError(ptr, f"expected step object, got {json_type_name(raw)}")
    kind = raw.get("type")
    if kind is None:
        raise StepParseError(f"{ptr}/type", "missing step `type`")
    if not isinstance(kind, str):
        raise StepParseError(f"{ptr}/type", f"expected string, got {json_type_name(kind)}")
    reg = registry()
    sdef = reg.get(kind)
    if sdef is None:
        hint = _closest(kind, list(reg))
        extra = f" (did you mean `{hint}`?)" if hint else ""
        raise StepParseError(f"{ptr}/type", f"unknown step type `{kind}`{extra}")
    if NOTE in raw or not sdef.allowed.issuperset(raw):
        check_keys(raw, sdef.allowed, ptr, f"`{kind}` step")
    out: Step = {"type": kind}
    for f in sdef.fields:
        value = raw.get(f.name)
        if value is None:
            if f.required:
                raise StepParseError(
                    f"{ptr}/{f.name}", f"missing required field `{f.name}` for `{kind}`"
                )
            if not f.nullable and f.name in raw:
                raise StepParseError(f"{ptr}/{f.name}", f"`{f.name}` must not be null")
            out[f.name] = _copy_default(f.default)
        elif value.__class__ in f.plain or (
            value.__class__ is int and f.bounds is not None
            and f.bounds[0] <= value <= f.bounds[1]
        ):
            out[f.name] = value
        else:
            out[f.name] = _value(f, value, ptr)
    return out


def _copy_default(default: Any) -> Any:
    if isinstance(default, dict):
        return dict(default)
    if isinstance(default, list):
        return list(default)
    return default


def parse_steps(raw: Any, ptr: str) -> list[Step]:
    if not isinstance(raw, list):
        raise StepParseError(ptr, f"expected array of steps, got {json_type_name(raw)}")
    return [parse_step(item, f"{ptr}/{i}") for i, item in enumerate(raw)]
