"""A start for `fozzy fuzz` that does not import Typer.

Importing Typer (and the click it carries) and building the command costs ~40 ms, more than
everything else a campaign does before its first execution; for a bug found within a
handful of executions that is most of the time to find it. An argv this parser reads
completely — the options below, each spelt out, values where they belong — goes straight to
`run_fuzz`, with the same global flags, config and error boundary as the Typer path.
Anything else (`--help`, an unknown or malformed option, a value Typer might read
differently, a second positional) returns None and the Typer application parses it, so
every usage error is still Typer's. `tests/unit/test_cli_fast.py` checks the table against
the Typer command and both parsers against each other.
"""

from __future__ import annotations

from typing import Any

from fozzy.cli.fuzz_command import FuzzArgs

#: `fuzz`'s options: the flag, the FuzzArgs field it sets and how: "str"/"int" take a value
#: (`--flag V` or `--flag=V`; the last one given wins), "many" collects every value, "on" and
#: "off" set a switch.
FUZZ_FLAGS: dict[str, tuple[str, str]] = {
    "--mode": ("mode", "str"),
    "--det": ("det", "on"),
    "--seed": ("seed", "str"),
    "--runs": ("runs", "int"),
    "--time": ("time_limit", "str"),
    "--jobs": ("jobs", "int"),
    "-j": ("jobs", "int"),
    "--dask": ("dask", "str"),
    "--max-input": ("max_input", "int"),
    "--max-corpus": ("max_corpus", "int"),
    "--corpus": ("corpus", "str"),
    "--mutator": ("mutator", "many"),
    "--dict": ("dictionary", "str"),
    "--crash-only": ("crash_only", "on"),
    "--compare-feedback": ("compare_feedback", "on"),
    "--no-compare-feedback": ("compare_feedback", "off"),
    "--minimize": ("minimize", "on"),
    "--shrink": ("minimize", "on"),
    "--record": ("record", "str"),
    "--record-collision": ("record_collision", "str"),
    "--timeout": ("timeout", "str"),
    "--reporter": ("reporter", "str"),
    "--mem-track": ("mem_track", "on"),
    "--mem-limit-mb": ("mem_limit_mb", "int"),
    "--mem-fail-after": ("mem_fail_after", "int"),
    "--fail-on-leak": ("fail_on_leak", "on"),
    "--leak-budget": ("leak_budget", "int"),
    "--profile-cpu": ("profile_cpu", "on"),
}


def parse_fuzz(args: list[str]) -> FuzzArgs | None:
    """`fuzz`'s arguments (after the command name), or None when Typer should read them."""
    values: dict[str, Any] = {}
    many: list[str] = []
    target: str | None = None
    i = 0
    while i < len(args):
        tok = args[i]
        i += 1
        if not tok.startswith("-"):
            if target is not None:
                return None
            target = tok
            continue
        name, eq, inline = tok.partition("=") if tok.startswith("--") else (tok, "", "")
        spec = FUZZ_FLAGS.get(name)
        if spec is None:
            return None
        field, kind = spec
        if kind in ("on", "off"):
            if eq:
                return None
            values[field] = kind == "on"
            continue
        if eq:
            value = inline
        elif i < len(args) and not args[i].startswith("-"):
            value, i = args[i], i + 1
        else:
            return None
        if kind == "int":
            if not (value.isascii() and value.isdigit()):
                return None
            values[field] = int(value)
        elif kind == "many":
            many.append(value)
        else:
            values[field] = value
    if target is None:
        return None
    return FuzzArgs(target=target, mutator=tuple(many), **values)


def main(argv: list[str]) -> int | None:
    """The exit code of a `fuzz` command run here, or None when it is the Typer
    application's to run."""
    if "fuzz" not in argv:
        return None
    from fozzy.cli.global_flags import UsageError, split_globals

    try:
        values, rest = split_globals(argv)
    except UsageError:
        return None
    if not rest or rest[0] != "fuzz":
        return None
    args = parse_fuzz(rest[1:])
    if args is None:
        return None
    return _run(values, args)


def _run(values: dict[str, str | bool], args: FuzzArgs) -> int:
    from fozzy.cli import signals
    from fozzy.cli.context import G, launched_at
    from fozzy.cli.fuzz_command import run_fuzz
    from fozzy.cli.global_flags import apply_globals, guarded

    G.started = launched_at()
    G.json = bool(values.get("json", False))
    signals.install()

    def invoke() -> int:
        apply_globals(values)
        return run_fuzz(args)

    return guarded(invoke)
