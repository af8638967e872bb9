"""Reading, classifying, parsing and validating scenario files, on either side of the pipe.

This is the pure core behind `fozzy.scenario.load` / `fozzy.scenario.validate`. It lives in
`workers` so that `fozzy test` can load and validate a whole suite on its worker pool (the
`"load"` op) instead of serially on the coordinator, while `fozzy validate`, `run`, `explore`
and `fuzz` keep calling the same code in-process. Failures are `ScenarioProblem` values (kind,
path, pointer, detail) that cross the pipe as plain data; the coordinator turns them into its
own error classes, so the message a user sees does not depend on where the file was read.

Classification follows the reference's order (spec §1.3): the first variant that fully parses
wins, so a file with valid `steps` and a `distributed` key is a steps file, and a file whose
steps are broken but that has `suites` is a suites file. When nothing parses, the error names
the JSON pointer of the member that broke the most likely variant.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import orjson

from workers.cluster.spec import SpecError, parse_distributed, validate_distributed
from workers.engine.durations import DurationError, parse_duration_ms
from workers.input_limits import LimitExceeded, configure, limits
from workers.regular_file import read_regular
from workers.steps.parse import StepParseError, check_keys, json_type_name, parse_steps
from workers.steps.registry import INT_RANGES, NOTE, CheckError, Step, T, registry

ARGUMENT_CATEGORY = "invalid argument"

DECLARATION_ONLY = (
    "scenario declares only contract/mocking steps and executes no runtime work; `proc_when` "
    "and `http_when` are declarations, not executable actions. Add executable steps such as "
    "`proc_spawn`, `http_request`, or fs/assertion steps."
)


#: The documented top-level members. All three variant keys are allowed in every file because
#: classification (spec §1.3) decides between them; anything else is a typo or an undocumented
#: comment (use `note`), and an error.
TOP_LEVEL_KEYS = frozenset(("version", "name", "steps", "distributed", "suites", NOTE))

# Problem kinds: the file could not be read / decoded or classified / fails a validation rule
# (`argument` for malformed values such as durations) / is not executable by run and test.
READ, PARSE, INVALID, ARGUMENT, GATE = "read", "parse", "invalid", "argument", "gate"


class ScenarioProblem(Exception):
    """Why a scenario file cannot be used; plain data so it can travel as a job result."""

    def __init__(self, kind: str, path: str, detail: str, pointer: str = "") -> None:
        super().__init__(f"{path}: {pointer or '/'}: {detail}")
        self.kind = kind
        self.path = path
        self.detail = detail
        self.pointer = pointer

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.path, "detail": self.detail,
                "pointer": self.pointer}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> ScenarioProblem:
        return cls(d["kind"], d["path"], d["detail"], d.get("pointer", ""))


@dataclass(frozen=True)
class Loaded:
    variant: str  # "steps" | "distributed" | "suites"
    name: str
    version: int
    doc: dict[str, Any]


def read_doc(path: str) -> Loaded:
    """Read, decode and classify `path`, rejecting duplicate keys in fixed-shape objects."""
    try:
        data = _read(path)
    except OSError as e:
        raise ScenarioProblem(READ, path, e.strerror or str(e)) from None
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise ScenarioProblem(PARSE, path, f"invalid JSON: {e}") from None
    try:
        loaded = parse_doc(raw, path)
    except RecursionError:
        raise ScenarioProblem(PARSE, path, "steps are nested too deeply") from None
    if not _surely_unique(data, raw):
        _reject_duplicate_keys(data, loaded, path)
    return loaded


def _read(path: str) -> bytes:
    """Regular files only and bounded: a FIFO must not hang a suite, nor /dev/zero fill it."""
    return read_regular(path, limits().scenario_bytes, "scenario_bytes")


def parse_doc(raw: Any, path: str) -> Loaded:
    """Classify an already-decoded document (§1.3 order) and normalize the winning variant."""
    if not isinstance(raw, dict):
        raise ScenarioProblem(
            PARSE, path, f"expected a JSON object at the top level, got {json_type_name(raw)}"
        )
    try:
        check_keys(raw, TOP_LEVEL_KEYS, "", "the scenario top level")
    except StepParseError as e:
        raise ScenarioProblem(PARSE, path, e.detail, e.pointer) from None
    failures: dict[str, StepParseError] = {}
    for variant in ("steps", "suites", "distributed"):
        if variant not in raw:
            continue
        try:
            return _parse_variant(raw, variant)
        except StepParseError as e:
            failures[variant] = e
    for variant in ("steps", "distributed", "suites"):
        if variant in failures:
            err = failures[variant]
            raise ScenarioProblem(PARSE, path, err.detail, err.pointer)
    raise ScenarioProblem(PARSE, path, "missing `steps`, `distributed` or `suites`")


def _parse_variant(raw: dict[str, Any], variant: str) -> Loaded:
    version = _header(raw)
    name = raw["name"]
    body = raw[variant]
    if variant == "steps":
        if isinstance(body, list) and len(body) > limits().steps:
            _step_limit()
        steps = parse_steps(body, "/steps")
        _check_step_count(steps)
        doc: dict[str, Any] = {"version": version, "name": name, "steps": steps}
    elif variant == "distributed":
        doc = {"version": version, "name": name, "distributed": parse_distributed(body)}
    else:
        doc = {"version": version, "name": name, "suites": body}
    return Loaded(variant, name, version, doc)


def _check_step_count(steps: list[Step]) -> None:
    """Bound the steps a scenario holds, nested ones included, before anything runs them."""
    reg = registry()
    limit = limits().steps
    total = 0
    pending = [steps]
    while pending:
        level = pending.pop()
        total += len(level)
        if total > limit:
            _step_limit()
        for s in level:
            for name in reg[s["type"]].nested:
                if s.get(name) is not None:
                    pending.append(s[name])


def _step_limit() -> None:
    err = LimitExceeded("the number of steps", limits().steps, "steps")
    raise StepParseError("/steps", str(err))


_U32 = INT_RANGES[T.U32]


def _header(raw: dict[str, Any]) -> int:
    """`version` (u32) and `name` (string); both are required by every variant."""
    version = raw.get("version")
    if version is None:
        raise StepParseError("/version", "missing required field `version`")
    lo, hi = _U32
    if not isinstance(version, int) or isinstance(version, bool):
        raise StepParseError("/version", f"expected u32, got {json_type_name(version)}")
    if not lo <= version <= hi:
        raise StepParseError("/version", f"integer {version} out of range for u32")
    name = raw.get("name")
    if name is None:
        raise StepParseError("/name", "missing required field `name`")
    if not isinstance(name, str):
        raise StepParseError("/name", f"expected string, got {json_type_name(name)}")
    return version


# -- duplicate keys ---------------------------------------------------------------------------


def _surely_unique(data: bytes, raw: Any) -> bool:
    """Cheap proof that no object in `data` repeats a key, so the slow exact check is skipped.

    In JSON text a `:` is either a member separator or a character inside a string. Without
    `\\u` escapes every string colon survives decoding as itself, and orjson re-encodes the
    decoded tree with exactly one `:` per key plus the string colons; so the counts agree
    unless a repeated key made the decoder drop a member (and its first value): then the
    re-encoded form has fewer.
    """
    if b"\\u" in data:
        return False
    try:
        again = orjson.dumps(raw)
    except orjson.JSONEncodeError:
        return False
    return data.count(b":") == again.count(b":")


class _Dup(dict[str, Any]):
    """An object that repeated a key; `dup` is the first repeated key."""

    dup: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out and not isinstance(out, _Dup):
            out = _Dup(out)
            out.dup = k
        out[k] = v
    return out


def _reject_duplicate_keys(data: bytes, loaded: Loaded, path: str) -> None:
    """Fixed-shape objects (top level, steps, the distributed definition, its steps and
    invariants) must not repeat a key; free-form maps (`fields`, `json`, …) keep the last."""
    tree = json.loads(data, object_pairs_hook=_pairs)
    dup = _find_dup(tree, loaded.variant)
    if dup is not None:
        pointer, key = dup
        raise ScenarioProblem(PARSE, path, f"duplicate key `{key}`", pointer)


def _find_dup(tree: dict[str, Any], variant: str) -> tuple[str, str] | None:
    found = _dup_in(tree, "")
    if found is not None:
        return found
    if variant == "steps":
        return _dup_in_steps(tree["steps"], "/steps")
    if variant == "distributed":
        dist = tree["distributed"]
        found = _dup_in(dist, "/distributed")
        for member in ("steps", "invariants"):
            items = dist.get(member) or []
            for i, item in enumerate(items):
                found = found or _dup_in(item, f"/distributed/{member}/{i}")
        return found
    return None


def _dup_in(obj: Any, pointer: str) -> tuple[str, str] | None:
    return (pointer, obj.dup) if isinstance(obj, _Dup) else None


def _dup_in_steps(steps: list[Any], pointer: str) -> tuple[str, str] | None:
    reg = registry()
    for i, step in enumerate(steps):
        ptr = f"{pointer}/{i}"
        found = _dup_in(step, ptr)
        if found is not None:
            return found
        for name in reg[step["type"]].nested:
            if step.get(name) is not None:
                found = _dup_in_steps(step[name], f"{ptr}/{name}")
                if found is not None:
                    return found
    return None


# -- validation -------------------------------------------------------------------------------


def suites_not_executable(path: str, *, for_validate: bool = False) -> str:
    supported = "`steps` or `distributed` for execution" if for_validate else "`steps`"
    return (
        f"scenario file {path} uses `suites` without an executable step DSL "
        f"(v0.1 only supports {supported})"
    )


def validate_doc(loaded: Loaded, path: str) -> None:
    """Every rule a run of this scenario would enforce; the first failure raises."""
    if loaded.variant == "suites":
        raise ScenarioProblem(GATE, path, suites_not_executable(path, for_validate=True))
    if loaded.variant == "distributed":
        if loaded.version != 1:
            raise ScenarioProblem(
                INVALID, path,
                f"unsupported distributed scenario version {loaded.version} (expected 1)",
                "/version",
            )
        try:
            validate_distributed(loaded.doc["distributed"])
        except SpecError as e:
            raise ScenarioProblem(_invalid_kind(e.category), path, e.message, e.pointer) from None
        return
    check_version(loaded, path)
    validate_steps(loaded.doc["steps"], "/steps", path)


def check_version(loaded: Loaded, path: str) -> None:
    if loaded.version != 1:
        raise ScenarioProblem(
            INVALID, path, f"unsupported scenario version {loaded.version} (expected 1)",
            "/version",
        )


def _invalid_kind(category: str) -> str:
    return ARGUMENT if category == ARGUMENT_CATEGORY else INVALID


def validate_steps(steps: list[Step], pointer: str, path: str) -> None:
    """One step list: the declaration-only rule first, then each step in order, recursing
    into nested step lists where the step is reached (spec §5.2)."""
    reg = registry()
    if steps and all(reg[s["type"]].declaration for s in steps):
        raise ScenarioProblem(INVALID, path, DECLARATION_ONLY, pointer)
    for i, s in enumerate(steps):
        sdef = reg[s["type"]]
        for name in sdef.durations:
            if s.get(name) is not None:
                try:
                    parse_duration_ms(s[name])
                except DurationError as e:
                    raise ScenarioProblem(
                        ARGUMENT, path, str(e), f"{pointer}/{i}/{name}"
                    ) from None
        if sdef.check is not None:
            try:
                sdef.check(s)
            except CheckError as e:
                fptr = f"{pointer}/{i}" if e.field is None else f"{pointer}/{i}/{e.field}"
                raise ScenarioProblem(_invalid_kind(e.category), path, e.message, fptr) from None
        for name in sdef.nested:
            if s.get(name) is not None:
                validate_steps(s[name], f"{pointer}/{i}/{name}", path)


def require_steps(loaded: Loaded, path: str) -> None:
    """The gate for `run` and `test`: only a version-1 steps scenario executes there."""
    if loaded.variant == "distributed":
        raise ScenarioProblem(
            GATE, path, f"scenario file {path} is a distributed scenario; use `fozzy explore`"
        )
    if loaded.variant == "suites":
        raise ScenarioProblem(GATE, path, suites_not_executable(path))
    check_version(loaded, path)


# -- the worker op ----------------------------------------------------------------------------


def load_batch(item: dict[str, Any]) -> dict[str, Any]:
    """The `"load"` job op: read and classify each of `item["paths"]`.

    Per path the answer is `{"problem"}` when the file cannot be loaded, else `{variant, name,
    version, gate}` where `gate` is the problem that would stop `run`/`test` from executing it
    (require + validate; null when runnable; always null for distributed files, which `test`
    handles itself) and, for runnable files, `doc`: the normalized document as a JSON string,
    which the coordinator forwards to the run phase without decoding it.
    """
    t0 = time.perf_counter_ns()
    configure(**item.get("limits", {}))
    out: list[dict[str, Any]] = []
    for path in item["paths"]:
        try:
            loaded = read_doc(path)
        except ScenarioProblem as p:
            out.append({"problem": p.to_dict()})
            continue
        row: dict[str, Any] = {"variant": loaded.variant, "name": loaded.name,
                               "version": loaded.version, "gate": None}
        if loaded.variant != "distributed":
            try:
                require_steps(loaded, path)
                validate_doc(loaded, path)
                row["doc"] = orjson.dumps(loaded.doc).decode()
            except ScenarioProblem as p:
                row["gate"] = p.to_dict()
        out.append(row)
    return {"scenarios": out, "wallNs": time.perf_counter_ns() - t0}
