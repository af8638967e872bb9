"""The Typer application: global flags, command registration and the error boundary.

Global flags may appear before or after the subcommand; `main` takes them out of argv before
Typer parses the rest. Every error ends here as one line (or one JSON envelope) and exit 2.
"""

from __future__ import annotations

import os
import sys
import time
from importlib import import_module
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from fozzy.cli import signals
from fozzy.cli.context import G, launched_at
from fozzy.errors import ConfigError, FozzyError

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


# Global flags are parsed by `split_globals`, not by Typer: they may appear after the
# subcommand, and Typer would coerce every string option through pydantic, which costs ~100 ms
# of start-up on every invocation. Bool switches are cheap, but one parser for all keeps them
# consistent. `fozzy --help` lists them from this table.
_VALUE_FLAGS = {
    "--config": "config",
    "--cwd": "cwd",
    "--log": "log",
    "--proc-backend": "proc_backend",
    "--fs-backend": "fs_backend",
    "--http-backend": "http_backend",
}
_SWITCH_FLAGS = {
    "--json": "json",
    "--no-color": "no_color",
    "--strict": "strict",
    "--strict-verify": "strict",
    "--unsafe": "unsafe",
}
GLOBAL_HELP = (
    ("--config PATH", "Config file to load (and that init writes). [default: fozzy.toml]"),
    ("--cwd DIR", "Working directory for everything (config, globs, artifacts)."),
    ("--log LEVEL", "Diagnostics on stderr: trace|debug|info|warn|error. [default: info]"),
    ("--json", "One JSON document on stdout."),
    ("--no-color", "No ANSI colours."),
    ("--strict, --strict-verify", "Strict mode (the default); conflicts with --unsafe."),
    ("--unsafe", "Relax strict mode: warning findings no longer fail the command."),
    ("--proc-backend scripted|host", "Backend for proc_spawn (run, test)."),
    ("--fs-backend virtual|host", "Backend for fs_* steps (run, test)."),
    ("--http-backend scripted|host", "Backend for http_* steps (run, test)."),
)


class UsageError(Exception):
    """A malformed global flag; rendered like any other parser error."""


def split_globals(argv: list[str]) -> tuple[dict[str, str | bool], list[str]]:
    """Take the global flags out of argv (wherever they appear before `--`).

    Returns the flag values by destination name and the remaining arguments for Typer.
    """
    values: dict[str, str | bool] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            rest.extend(argv[i:])
            break
        name, eq, inline = tok.partition("=")
        if name in _SWITCH_FLAGS:
            if not eq:
                values[_SWITCH_FLAGS[name]] = True
            elif name == "--json" and inline in ("true", "false"):
                values["json"] = inline == "true"
            else:
                raise UsageError(f"option '{name}' does not take a value")
        elif name in _VALUE_FLAGS:
            if eq:
                value = inline
            elif i + 1 < len(argv):
                i += 1
                value = argv[i]
            else:
                raise UsageError(f"option '{name}' requires an argument")
            values[_VALUE_FLAGS[name]] = value
        else:
            rest.append(tok)
        i += 1
    return values, rest


_pending: dict[str, str | bool] = {}
_help_requested = False


def apply_globals(values: dict[str, str | bool]) -> None:
    """Check the global flags, change directory, then load the config (in that order, so a
    relative `--config` is relative to `--cwd`)."""
    from fozzy import diag
    from fozzy.config import BACKEND_CHOICES, load_config
    from fozzy.errors import ArgumentError

    def text(key: str) -> str | None:
        value = values.get(key)
        return value if isinstance(value, str) else None

    try:
        level = text("log")
        diag.set_level(diag.DEFAULT_LEVEL if level is None else level)
    except diag.LevelError as e:
        raise ArgumentError(str(e)) from None

    G.json = bool(values.get("json", False))
    G.no_color = bool(values.get("no_color", False)) or bool(os.environ.get("NO_COLOR"))
    if values.get("strict") and values.get("unsafe"):
        raise ArgumentError("--strict and --unsafe cannot be used together")
    G.strict = not values.get("unsafe")
    for key in ("proc_backend", "fs_backend", "http_backend"):
        value = text(key)
        if value is not None and value not in BACKEND_CHOICES[key]:
            flag = "--" + key.replace("_", "-")
            raise ArgumentError(
                f"{flag} must be one of {'|'.join(BACKEND_CHOICES[key])}, got {value!r}"
            )
    G.proc_backend, G.fs_backend, G.http_backend = (
        text("proc_backend"), text("fs_backend"), text("http_backend")
    )
    cwd = text("cwd")
    if cwd is not None:
        try:
            os.chdir(cwd)
        except OSError as e:
            raise FozzyError(f"failed to set cwd to {cwd}: {e.strerror or e}") from None
    G.cwd = None if cwd is None else os.getcwd()
    G.config_path = text("config") or "fozzy.toml"
    G.config = load_config(G.config_path)
    diag.debug(lambda: f"config: {'loaded' if G.config.loaded else 'no file, defaults for'}"
                       f" {os.path.abspath(G.config_path)}")
    from workers.input_limits import configure

    configure(**G.config.limits)


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


def _fail(message: str, code: str) -> int:
    from fozzy.cli.output import emit_error

    emit_error(message, code)
    return 2


def _interrupted() -> int:
    """A command stopped by SIGINT/SIGTERM/SIGHUP before it could answer: exit 128+signal."""
    from fozzy.cli.output import emit_error

    emit_error(f"interrupted by {signals.interrupt_name()}", "interrupted")
    return signals.interrupt_exit_code()


def main(argv: list[str] | None = None) -> None:
    global _help_requested
    args = list(sys.argv[1:] if argv is None else argv)
    # A console run started this process for the command; an in-process call starts now.
    G.started = launched_at() if argv is None else time.monotonic()
    G.json = "--json" in args or "--json=true" in args
    command = root_command()
    signals.install()
    try:
        values, rest = split_globals(args)
        if not rest:
            raise UsageError("missing command (see `fozzy --help`)")
        G.json = bool(values.get("json", G.json))
        _pending.clear()
        _pending.update(values)
        _help_requested = "--help" in (rest[: rest.index("--")] if "--" in rest else rest)
        result = command.main(args=rest, prog_name="fozzy", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as e:
        code = e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = _interrupted()
    except UsageError as e:
        code = _fail(str(e), "usage")
    except typer.TyperException as e:
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        code = _fail(message, "usage")
    except ConfigError as e:
        code = _fail(e.render(), "config")
    except FozzyError as e:
        code = _fail(e.render(), e.category.replace(" ", "_"))
    sys.stdout.flush()
    sys.exit(code)
