"""What `fozzy fuzz` is asked to fuzz: the request, the resolved target (`scenario:` or
`fn:`), where its corpus lives and how long one execution may take."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from fozzy.artifacts.invocation import Invocation
from fozzy.errors import ArgumentError, FozzyError
from fozzy.fuzzing.campaign import DEFAULT_MAX_CORPUS, FN_SEEDS
from fozzy.fuzzing.corpus import content_name, load_inputs

if TYPE_CHECKING:
    from workers.fuzz.scenario_mutators import ScenarioInput


class FuzzRequest(NamedTuple):
    target: str
    seed: int
    mode: str = "coverage"
    runs: int | None = None
    time_ms: int | None = None
    jobs: int = 1
    dask: str | None = None
    max_input: int = 4096
    max_corpus: int = DEFAULT_MAX_CORPUS
    started: float | None = None  # time.monotonic() the command started (--time counts from it)
    corpus: str | None = None
    mutators: Sequence[str] = ()
    dictionary: Sequence[bytes] = ()
    crash_only: bool = False
    compare_feedback: bool = True
    minimize: bool = False
    record: str | None = None
    record_collision: str = "append"
    reporter: str = "pretty"
    timeout_ms: int | None = None
    memory: Mapping[str, Any] = {}
    backends: Mapping[str, str] = {}
    limits: Mapping[str, int] = {}
    base_dir: str = ".fozzy"
    profile_cpu: bool = False  # sample the fn: target's stacks (workers.fuzz.sampler)
    invocation: Invocation = Invocation()


class Target(NamedTuple):
    """The resolved target: its canonical string and the worker-side description."""

    name: str
    spec: dict[str, Any]
    seeds: list[bytes]

    @property
    def is_scenario(self) -> bool:
        return bool(self.spec["kind"] == "scenario")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "target"


def _check_mutator_names(names: Sequence[str]) -> None:
    """Loaded only when `--mutator` is given: the scenario mutators import the step registry,
    which an `fn:` campaign otherwise never needs."""
    from workers.fuzz.bytes_mutators import BYTE_MUTATORS
    from workers.fuzz.json_mutators import JSON_MUTATOR
    from workers.fuzz.scenario_mutators import SCENARIO_MUTATORS

    known = set(BYTE_MUTATORS) | set(SCENARIO_MUTATORS) | {JSON_MUTATOR}
    unknown = [m for m in names if m not in known]
    if unknown:
        raise ArgumentError(
            f"unknown --mutator {', '.join(unknown)}; choose from {', '.join(sorted(known))}"
        )


def resolve_target(req: FuzzRequest) -> Target:
    if req.mutators:
        _check_mutator_names(req.mutators)
    text = req.target.strip()
    if text.startswith("fn:"):
        spec = text[3:].strip()
        module, sep, attr = spec.rpartition(":")
        if not sep or not module or not attr:
            raise ArgumentError(f"fuzz target must be fn:<module>:<callable>, got {text!r}")
        return Target(f"fn:{spec}", {"kind": "fn", "spec": spec, "cwd": os.getcwd(),
                                     "dictionary": [t.hex() for t in req.dictionary]},
                      list(FN_SEEDS))
    path = text[len("scenario:"):].strip() if text.startswith("scenario:") else text
    if not path or not (text.startswith("scenario:") or path.endswith(".fozzy.json")):
        raise ArgumentError(
            f"unsupported fuzz target {text!r} (expected scenario:<path>, <path>.fozzy.json"
            " or fn:<module>:<callable>)"
        )
    return _scenario_target(req, path)


def _scenario_target(req: FuzzRequest, path: str) -> Target:
    from fozzy.scenario.load import load_scenario
    from fozzy.scenario.validate import require_steps, validate_scenario
    from workers.fuzz.mocks import real_step_types
    from workers.fuzz.scenario_batch import encode_scenario_input
    from workers.fuzz.scenario_mutators import ScenarioInput

    scn = load_scenario(path)
    if scn.variant == "distributed":
        raise FozzyError(
            f"{path} is a distributed scenario: search its schedules with `fozzy explore`"
        )
    require_steps(scn)
    validate_scenario(scn)
    run = {
        "scenario_path": path, "det": True, "timeout_ms": req.timeout_ms,
        "backends": req.backends, "memory": req.memory, "limits": req.limits,
        "cwd": os.getcwd(), "replay": None, "service_oracle": True,
    }
    _require_mutable(req, ScenarioInput(req.seed, scn.doc["steps"],
                                        real_step_types(req.backends)), path)
    seed_input = encode_scenario_input(ScenarioInput(req.seed, scn.doc["steps"]))
    spec = {"kind": "scenario", "doc": scn.doc, "run": run,
            "dictionary": [t.hex() for t in req.dictionary]}
    return Target(f"scenario:{path}", spec, [seed_input])


def _require_mutable(req: FuzzRequest, base: ScenarioInput, path: str) -> None:
    """A `--mutator` that cannot change this scenario would be ignored (byte mutators work
    on string fields): a flag error."""
    from workers.fuzz.scenario_mutators import SCENARIO_MUTATORS, applies

    fields_ok = applies(base, ["field"])
    unusable = [m for m in req.mutators
                if not (applies(base, [m]) if m in SCENARIO_MUTATORS else fields_ok)]
    if unusable:
        raise ArgumentError(
            f"--mutator {', '.join(unusable)} cannot change {path} with these backends: its"
            " inputs reach no real system (under scripted backends the mock is the system;"
            " use --mutator seed, or --proc-backend/--http-backend/--fs-backend host)"
        )


def check_scenario_input(data: bytes, where: Path) -> bytes:
    """A corpus entry for a scenario target must be a runnable mutant, never anything else;
    returned with its steps in parsed form (defaults filled), as the workers run them."""
    import orjson

    from workers.steps.parse import StepParseError, parse_steps

    try:
        value = orjson.loads(data)
        if not isinstance(value, dict) or not isinstance(value.get("seed"), int):
            raise ValueError("expected {seed, steps}")
        steps = parse_steps(value.get("steps"), "/steps")
    except (orjson.JSONDecodeError, ValueError, StepParseError) as e:
        raise FozzyError(f"corpus entry {where} is not an input for this scenario: {e}") from None
    return orjson.dumps({"seed": value["seed"], "steps": steps})


def corpus_dir(req: FuzzRequest, target: Target) -> Path:
    if req.corpus is not None:
        return Path(req.corpus)
    return Path(req.base_dir) / "corpora" / _slug(target.name)


def initial_corpus(directory: Path, target: Target) -> list[bytes]:
    inputs = load_inputs(directory)
    if target.is_scenario:
        inputs = [check_scenario_input(data, directory / content_name(data))
                  for data in inputs]
    return inputs or list(target.seeds)


DEFAULT_FN_EXEC_TIMEOUT_MS = 1000  # a call to an fn: target running longer is a hang finding


def exec_timeout_ms(req: FuzzRequest, target: Target) -> int | None:
    """fn: targets run in the worker's own interpreter, so each call gets an alarm; scenario
    runs carry the scenario timeout in their RunSpec instead."""
    if target.is_scenario:
        return None
    return req.timeout_ms or DEFAULT_FN_EXEC_TIMEOUT_MS

