"""The Typer-free `fuzz` start (fozzy.cli.fast) reads exactly what the Typer command reads, and
hands everything it does not read completely to Typer."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fozzy.cli import fuzz_command
from fozzy.cli.app import full_command_tree
from fozzy.cli.fast import FUZZ_FLAGS, parse_fuzz
from fozzy.cli.fuzz_command import FuzzArgs


def _fuzz_command() -> Any:
    return full_command_tree().commands["fuzz"]


def test_the_table_names_every_option_of_the_typer_command_as_it_declares_it() -> None:
    declared: dict[str, tuple[str, str]] = {}
    for param in _fuzz_command().params:
        if param.param_type_name == "argument":
            continue
        if param.is_flag:
            for flag in param.opts:
                declared[flag] = (param.name, "on")
            for flag in param.secondary_opts:
                declared[flag] = (param.name, "off")
            continue
        kind = "many" if param.multiple else "int" if param.type.name == "int" else "str"
        for flag in param.opts:
            declared[flag] = (param.name, kind)
    assert declared == FUZZ_FLAGS


def _typer_args(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> FuzzArgs:
    seen: list[FuzzArgs] = []

    def capture(args: FuzzArgs) -> int:
        seen.append(args)
        return 0

    monkeypatch.setattr(fuzz_command, "run_fuzz", capture)
    from fozzy.cli.app import main

    with pytest.raises(SystemExit) as stop:
        main(["fuzz", *argv])
    assert stop.value.code == 0 and len(seen) == 1
    return seen[0]


WORD = st.text(alphabet="abz019:/._= ", max_size=6)
NUMBER = st.integers(0, 10**9).map(str)


@st.composite
def fuzz_argv(draw: st.DrawFn) -> list[str]:
    """A command line of `fuzz` options in any order, each spelt `--flag V` or `--flag=V`,
    some repeated, with the target anywhere among them."""
    argv: list[str] = []
    for flag in draw(st.lists(st.sampled_from(sorted(FUZZ_FLAGS)), max_size=10)):
        kind = FUZZ_FLAGS[flag][1]
        if kind in ("on", "off"):
            argv.append(flag)
            continue
        value = draw(NUMBER if kind == "int" else WORD)
        if flag.startswith("--") and draw(st.booleans()):
            argv.append(f"{flag}={value}")
        else:
            argv += [flag, value]
    target = draw(st.text(alphabet="fn:abc./_=", min_size=1, max_size=12))
    at = draw(st.integers(0, len(argv)))
    while at < len(argv) and argv[at - 1:at] and argv[at - 1] in FUZZ_FLAGS and (
        FUZZ_FLAGS[argv[at - 1]][1] not in ("on", "off")
    ):
        at += 1  # not between a flag and its value
    return [*argv[:at], target, *argv[at:]]


@settings(max_examples=150, deadline=None)
@given(fuzz_argv())
def test_both_parsers_read_the_same_arguments(argv: list[str]) -> None:
    fast = parse_fuzz(argv)
    assert fast is not None, argv
    with pytest.MonkeyPatch.context() as mp:
        assert _typer_args(argv, mp) == fast


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*FUZZ_FLAGS, "fn:t.py:f", "x", "-5", "=", "--", "-j4",
                                 "--runs=x", "--det=1", "--help", "--nope", "", "1"]),
                max_size=8))
def test_what_the_fast_parser_reads_typer_reads_the_same(argv: list[str]) -> None:
    """Arbitrary token soup: the fast parser may decline, but what it accepts Typer accepts
    with the same values."""
    fast = parse_fuzz(argv)
    if fast is None:
        return
    with pytest.MonkeyPatch.context() as mp:
        assert _typer_args(argv, mp) == fast


@pytest.mark.parametrize("argv", [
    ["fn:t.py:f", "--help"], ["fn:t.py:f", "--nope"], ["fn:t.py:f", "-j4"],
    ["fn:t.py:f", "--runs", "abc"], ["fn:t.py:f", "--runs", "+5"], ["a", "b"], [],
    ["fn:t.py:f", "--runs"], ["fn:t.py:f", "--det=yes"], ["fn:t.py:f", "--corpus", "-x"],
    ["--", "fn:t.py:f"],
])
def test_what_it_cannot_read_completely_goes_to_typer(argv: list[str]) -> None:
    assert parse_fuzz(argv) is None
