"""The global flags (`--json`, `--cwd`, `--config`, …) and the error boundary every command
ends at, without Typer: the Typer application (`fozzy.cli.app`) and the fast `fuzz` start
(`fozzy.cli.fast`) share them, so a flag or an error behaves the same on both paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from fozzy.cli import signals
from fozzy.cli.context import G
from fozzy.errors import ConfigError, FozzyError

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


def fail(message: str, code: str) -> int:
    from fozzy.cli.output import emit_error

    emit_error(message, code)
    return 2


def interrupted() -> int:
    """A command stopped by SIGINT/SIGTERM/SIGHUP before it could answer: exit 128+signal."""
    from fozzy.cli.output import emit_error

    emit_error(f"interrupted by {signals.interrupt_name()}", "interrupted")
    return signals.interrupt_exit_code()


def guarded(command: Callable[[], int]) -> int:
    """The command's exit code; every error it raises ends as one line (or one JSON
    envelope) and exit 2, an interrupt as 128 + signal."""
    try:
        return command()
    except KeyboardInterrupt:
        return interrupted()
    except UsageError as e:
        return fail(str(e), "usage")
    except ConfigError as e:
        return fail(e.render(), "config")
    except FozzyError as e:
        return fail(e.render(), e.category.replace(" ", "_"))
