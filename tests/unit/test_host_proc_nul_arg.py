"""A process argument with a NUL byte can never be exec'd: the step is invalid, so a
scenario that has one is a validation error and a fuzz mutant that makes one is never run
(regression: `ValueError: embedded null byte` ended a host-backend fuzz campaign, exit 2)."""

from __future__ import annotations

import pytest

from workers.steps.parse import parse_steps
from workers.steps.registry import CheckError, registry


@pytest.mark.parametrize("step", [
    {"type": "proc_spawn", "cmd": "echo", "args": ["a\0b"]},
    {"type": "proc_spawn", "cmd": "ec\0ho"},
])
def test_a_nul_byte_in_a_process_argument_is_invalid(step: dict[str, object]) -> None:
    [parsed] = parse_steps([step], "/steps")
    check = registry()["proc_spawn"].check
    assert check is not None
    with pytest.raises(CheckError, match="NUL byte"):
        check(parsed)


def test_plain_arguments_pass() -> None:
    [parsed] = parse_steps([{"type": "proc_spawn", "cmd": "echo", "args": ["a b"]}], "/steps")
    check = registry()["proc_spawn"].check
    assert check is not None
    check(parsed)
