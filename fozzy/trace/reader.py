"""Reading traces: parse into the typed model, check the header and the checksum (§4.7).

The typed decode (msgspec) validates the structure in one pass and names the JSON path of a
bad member; free-form parts (event fields, steps, memory) are only checked for being JSON of
the right shape. Every failure is a `TraceError`: unreadable, truncated, non-JSON, wrong
format or version, or a checksum that does not match.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec
import orjson

from fozzy.errors import TraceError
from fozzy.trace import checksum as ck
from fozzy.trace.model import FORMAT, MIN_VERSION, VERSION, normalize_path

Status = Literal["pass", "fail", "error", "timeout", "crash"]


class _Decision(msgspec.Struct, gc=False):
    kind: str


class _Object(msgspec.Struct, gc=False):
    """Any JSON object, members skipped: checks the shape of free-form maps (event fields)
    without building them, which keeps verifying a large trace fast."""


class _Event(msgspec.Struct, gc=False):
    time_ms: int
    name: str
    fields: _Object


class _Scenario(msgspec.Struct, gc=False):
    version: int
    name: str
    steps: list[_Object]


class _Fuzz(msgspec.Struct, gc=False):
    target: str
    input_hex: str


class _Identity(msgspec.Struct, gc=False):
    seed: int
    runId: str | None = None
    tracePath: str | None = None


class _Finding(msgspec.Struct, gc=False):
    kind: str
    title: str
    message: str
    location: dict[str, Any] | None = None


class _Summary(msgspec.Struct, gc=False):
    status: Status
    mode: str
    identity: _Identity
    findings: list[_Finding] = msgspec.field(default_factory=list)


class _Trace(msgspec.Struct, gc=False):
    format: Any = msgspec.UNSET
    version: Any = msgspec.UNSET
    engine: dict[str, Any] | None = None
    mode: str | None = None
    scenario_path: str | None = None
    scenario: _Scenario | None = None
    backends: dict[str, str] | None = None
    fuzz: _Fuzz | None = None
    explore: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None
    decisions: list[_Decision] | msgspec.UnsetType = msgspec.UNSET
    events: list[_Event] | msgspec.UnsetType = msgspec.UNSET
    measurements: dict[str, Any] | None = None
    summary: _Summary | msgspec.UnsetType = msgspec.UNSET
    checksum: Any = None


_DECODER = msgspec.json.Decoder(_Trace)


@dataclass
class Inspection:
    """What one read of a trace file established (before any policy is applied)."""

    path: Path
    version: int
    checksum_present: bool
    checksum_valid: bool
    stored: str | None
    computed: str
    raw: bytes = field(repr=False)
    parsed: dict[str, Any] | None = field(default=None, repr=False)
    fast: bool = False

    def document(self) -> dict[str, Any]:
        """The whole document as plain ordered dicts (parsed at most once)."""
        if self.parsed is None:
            self.parsed = _loads(self.raw, self.path)
        return self.parsed


def _loads(raw: bytes, path: Path) -> dict[str, Any]:
    # Parsing JSON creates no reference cycles, yet a big trace's millions of new containers
    # would trigger full collections over and over: pause the cycle collector meanwhile.
    enabled = gc.isenabled()
    gc.disable()
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise TraceError(f"failed to parse trace {path}: {e}") from None
    finally:
        if enabled:
            gc.enable()
    if not isinstance(doc, dict):
        raise TraceError(f"failed to parse trace {path}: top level is not a JSON object")
    return doc


def read_bytes(path: Path) -> bytes:
    from workers.input_limits import limits
    from workers.regular_file import read_regular

    try:
        return read_regular(path, limits().trace_bytes, "trace_bytes")
    except OSError as e:
        raise TraceError(f"failed to read trace {path}: {e.strerror or e}") from None


def _decode(raw: bytes, path: Path) -> _Trace:
    if not raw.strip():
        raise TraceError(f"failed to parse trace {path}: file is empty")
    try:
        return _DECODER.decode(raw)
    except msgspec.ValidationError as e:
        if "Expected `object`" in str(e) and "at `$" not in str(e):
            reason = "top level is not a JSON object"
            raise TraceError(f"failed to parse trace {path}: {reason}") from None
        raise TraceError(f"invalid trace {path}: {e}") from None
    except UnicodeDecodeError as e:
        raise TraceError(f"failed to parse trace {path}: invalid UTF-8 at byte {e.start}") from None
    except msgspec.DecodeError as e:
        reason = str(e)
        if "truncated" in reason:
            reason = "input ends early (truncated or incomplete file)"
        raise TraceError(f"failed to parse trace {path}: {reason}") from None


def _check_header(t: _Trace, path: Path) -> int:
    if t.format != FORMAT:
        shown = "missing" if t.format is msgspec.UNSET else repr(t.format)
        raise TraceError(f"unsupported trace format {shown} in {path} (expected {FORMAT!r})")
    v = t.version
    if isinstance(v, bool) or not isinstance(v, int) or not MIN_VERSION <= v <= VERSION:
        shown = "missing" if v is msgspec.UNSET else repr(v)
        raise TraceError(
            f"unsupported trace schema version {shown} in {path}"
            f" (supported: {MIN_VERSION}..={VERSION})"
        )
    for name in ("decisions", "events", "summary"):
        if getattr(t, name) is msgspec.UNSET:
            raise TraceError(f"invalid trace {path}: missing required member {name!r}")
    return v


def inspect(path: str | os.PathLike[str]) -> Inspection:
    """Read, parse and validate a trace and establish its checksum status, without judging
    it: `read_trace` rejects a bad checksum, `verify` reports it."""
    p = normalize_path(path)
    raw = read_bytes(p)
    t = _decode(raw, p)
    version = _check_header(t, p)
    stored = t.checksum if ck.is_checksum(t.checksum) else None
    present = t.checksum is not None
    fast = ck.fast_check(raw) if stored is not None else None
    if fast is not None:
        return Inspection(p, version, True, True, stored, fast, raw, fast=True)
    parsed = _loads(raw, p)
    computed = ck.recompute(parsed)
    valid = stored is not None and computed == stored
    shown = stored if stored is not None else (None if t.checksum is None else str(t.checksum))
    return Inspection(p, version, present, valid, shown, computed, raw, parsed)


def read_trace(path: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """The normalized path and the document of a trace every consumer may trust: header
    checked, and checksum matching when present (a missing one is accepted here)."""
    info = inspect(path)
    if info.checksum_present and not info.checksum_valid:
        raise TraceError(
            f"trace checksum mismatch for {info.path} (expected {info.stored},"
            f" got {info.computed})"
        )
    return info.path, info.document()
