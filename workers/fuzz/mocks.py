"""Under scripted backends the mock is the system: what the scenario fuzzer may vary.

A scenario fuzz finding must be a disagreement between a real system and the scenario. An
input field only reaches a real system when its step's family runs on the `host` backend
(`proc_spawn` args, `http_request` path/headers/body, `fs_write` data). Everything else is
answered by a model the scenario itself declares or fozzy defines exactly: `proc_when` /
`http_when` rules under the scripted backends, the virtual filesystem, and the KV store,
network, allocator and clock, which are always simulated. Mutating such an input can only
produce an oracle failure of the mutation's own making (`set_kv user=alicf` then
`get_kv_assert user == alice`) or a request no rule answers, never a bug; so those fields
are not mutated and those steps are not moved. The seed is always varied: a scenario that
fails for another seed fails under `fozzy run --seed N` too, which is a real finding.

A mutant that still leaves a rule unmatched (`proc_unmatched`, `http_unmatched`: titles only
the scripted backends raise), such as a corpus entry kept by a host-backend campaign, is an
invalid input: counted as rejected, never reported. The scenario's own steps failing that way
is the scenario's bug and stays a finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workers.steps.registry import registry

#: the backend family each step module serves, for the families that have a backend choice
_FAMILY_BACKEND = {"workers.steps.proc": "proc", "workers.steps.http": "http",
                   "workers.steps.fs": "fs"}
#: backends that reach a real program, service or directory (scripted/virtual are models)
REAL_BACKENDS = frozenset({"host"})
#: finding titles only the scripted backends raise for a request no rule answers
UNMATCHED_TITLES = frozenset({"proc_unmatched", "http_unmatched"})
_DEFAULT_BACKENDS = {"proc": "scripted", "http": "scripted", "fs": "virtual"}

Reach = frozenset[str]


def real_step_types(backends: Mapping[str, str] | None) -> Reach:
    """The step types whose inputs reach a real system under these backends: the only ones
    the fuzzer mutates, duplicates or swaps."""
    chosen = {**_DEFAULT_BACKENDS, **(backends or {})}
    return frozenset(
        name for name, sdef in registry().items()
        if (family := _FAMILY_BACKEND.get(sdef.run.__module__)) is not None
        and chosen.get(family) in REAL_BACKENDS
    )


def is_rejected(finding: dict[str, Any] | None, steps: list[Any], original: list[Any]) -> bool:
    """A mutant (steps other than the scenario's own) that the scripted mock does not
    answer: an invalid input, not a finding."""
    return (finding is not None and finding.get("title") in UNMATCHED_TITLES
            and steps != original)
