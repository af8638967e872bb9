"""The Typer application: global flags, command registration and the error boundary.

Global flags may appear before or after the subcommand; `main` takes them out of argv before
Typer parses the rest. Every error ends here as one line (or one JSON envelope) and exit 2.
"""

from __future__ import annotations

import sys
import time
from importlib import import_module
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from fozzy.cli import signals
from fozzy.cli.context import G, launched_at
from fozzy.cli.global_flags import (
    GLOBAL_HELP,
    UsageError,
    apply_globals,
    fail,
    guarded,
    interrupted,
    split_globals,
)

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter
    from typer.core import TyperOption


class _FastHelp:
    """Gives `--help` a `False` default instead of `None`.

    Typer coerces a parameter whose value is not already a bool through a pydantic
    TypeAdapter, and importing pydantic plus building the adapter costs ~100 ms. With a bool
    default the absent `--help` flag takes Typer's bool fast path, so commands without other
    typed parameters (`version`, `env`, `usage`, `--help`) start without pydantic.
    """

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option: TyperOption | None = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None and option.default is None:
            option.default = False
        return option


class _Command(_FastHelp, TyperCommand):
    pass


class _Group(_FastHelp, TyperGroup):
    pass


class _FozzyGroup(_Group):
    """Builds only the command it is asked for, and lists the global flags (which
    `split_globals` parses) in `fozzy --help`.

    Importing every command module and converting the whole Typer tree to click commands
    costs more than some commands do, so a subcommand's module is imported and converted on
    the first `get_command` for its name; `--help` and unknown names load the rest.
    """

    def list_commands(self, ctx: Context) -> list[str]:
        return list(dict.fromkeys([*COMMANDS, *self.commands]))

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            _load_module(self, COMMANDS[cmd_name])
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """An unknown name loads every command first: the "did you mean" suggestion is
        drawn from the loaded commands."""
        if args and args[0] not in COMMANDS:
            _load_all(self)
        return super().resolve_command(ctx, args)

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        with formatter.section("Global options (before or after the command)"):
            formatter.write_dl(list(GLOBAL_HELP))
        super().format_options(ctx, formatter)


app = typer.Typer(
    name="fozzy",
    cls=_FozzyGroup,
    help="Deterministic scenario testing: run, record, replay, shrink, fuzz and explore.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command name -> the module whose `register(app)` adds it. Only the invoked command's module
# is imported (see `_FozzyGroup`); each module also keeps its heavy imports inside the command
# body. `tests/unit/test_cli_commands.py` checks this table against what the modules register.
COMMANDS: dict[str, str] = {
    "version": "fozzy.cli.cmd_info",
    "env": "fozzy.cli.cmd_info",
    "usage": "fozzy.cli.cmd_info",
    "init": "fozzy.cli.cmd_init",
    "validate": "fozzy.cli.cmd_validate",
    "schema": "fozzy.cli.cmd_schema",
    "steps": "fozzy.cli.cmd_schema",
    "trace": "fozzy.cli.cmd_trace",
    "replay": "fozzy.cli.cmd_replay",
    "run": "fozzy.cli.cmd_run",
    "test": "fozzy.cli.cmd_test",
    "fuzz": "fozzy.cli.cmd_fuzz",
    "corpus": "fozzy.cli.cmd_corpus",
    "explore": "fozzy.cli.cmd_explore",
    "artifacts": "fozzy.cli.cmd_artifacts",
    "report": "fozzy.cli.cmd_report",
    "memory": "fozzy.cli.cmd_memory",
    "profile": "fozzy.cli.cmd_profile",
    "shrink": "fozzy.cli.cmd_shrink",
    "doctor": "fozzy.cli.cmd_doctor",
    "ci": "fozzy.cli.cmd_ci",
    "map": "fozzy.cli.cmd_map",
    "gate": "fozzy.cli.cmd_workflows",
    "full": "fozzy.cli.cmd_workflows",
}


_pending: dict[str, str | bool] = {}
_help_requested = False


def _version_callback(value: bool) -> None:
    if value:
        from fozzy import __version__

        sys.stdout.write(f"fozzy {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def global_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Print version."),
    ] = False,
) -> None:
    """Runs before every subcommand; help for a subcommand needs no working config."""
    if not _help_requested:
        apply_globals(_pending)


def _use_fast_help(typer_app: typer.Typer) -> None:
    """Give every registered command and sub-group the `_FastHelp` classes (recursively)."""
    for command in typer_app.registered_commands:
        if command.cls is None or command.cls is TyperCommand:
            command.cls = _Command
    for group in typer_app.registered_groups:
        sub = group.typer_instance
        if sub is not None:
            if not group.cls and not sub.info.cls:
                group.cls = _Group
            _use_fast_help(sub)


def _load_module(group: TyperGroup, module: str) -> None:
    """Register `module`'s commands on a Typer of their own, convert it, and add the
    resulting click commands to the root group."""
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    import_module(module).register(sub)
    _use_fast_help(sub)
    for name, command in typer.main.get_group(sub).commands.items():
        group.add_command(command, name)


def _load_all(group: TyperGroup) -> None:
    """Every module whose commands the group does not hold yet (each module once)."""
    for module in dict.fromkeys(COMMANDS.values()):
        if any(name not in group.commands for name, m in COMMANDS.items() if m == module):
            _load_module(group, module)


def root_command() -> TyperGroup:
    """The root click group (its subcommands load on demand)."""
    command = typer.main.get_command(app)
    assert isinstance(command, TyperGroup)
    return command


def full_command_tree() -> TyperGroup:
    """The root group with every command loaded: for listings and tests that walk the tree."""
    group = root_command()
    _load_all(group)
    return group


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    # A console run started this process for the command; an in-process call starts now.
    G.started = launched_at() if argv is None else time.monotonic()
    G.json = "--json" in args or "--json=true" in args
    command = root_command()
    signals.install()

    def invoke() -> int:
        global _help_requested
        values, rest = split_globals(args)
        if not rest:
            raise UsageError("missing command (see `fozzy --help`)")
        G.json = bool(values.get("json", G.json))
        _pending.clear()
        _pending.update(values)
        _help_requested = "--help" in (rest[: rest.index("--")] if "--" in rest else rest)
        try:
            result = command.main(args=rest, prog_name="fozzy", standalone_mode=False)
        except typer.Exit as e:
            return e.exit_code
        except typer.Abort:
            return interrupted()
        except typer.TyperException as e:
            message = e.format_message() if hasattr(e, "format_message") else str(e)
            return fail(message, "usage")
        return result if isinstance(result, int) else 0

    code = guarded(invoke)
    sys.stdout.flush()
    sys.exit(code)
