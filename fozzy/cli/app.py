"""The Typer application: global flags, command registration and the error boundary.

Global flags may appear before or after the subcommand; `main` moves them to the front before
Typer parses. Every error ends here as one line (or one JSON envelope) and exit 2.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import Annotated

import typer

from fozzy.cli.context import G
from fozzy.errors import ConfigError, FozzyError

app = typer.Typer(
    name="fozzy",
    help="Deterministic scenario testing: run, record, replay, shrink, fuzz and explore.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command families, each a module with `register(app)`. Imported at start-up, but each keeps
# its heavy imports inside the command body so `fozzy --help` stays fast.
COMMAND_MODULES = (
    "fozzy.cli.cmd_info",
)

_VALUE_FLAGS = {"--config", "--cwd", "--proc-backend", "--fs-backend", "--http-backend"}
_SWITCH_FLAGS = {"--json", "--no-color", "--strict", "--strict-verify", "--unsafe"}


def hoist_globals(argv: list[str]) -> list[str]:
    """Move global flags (wherever they appear before `--`) to the front of argv."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            rest.extend(argv[i:])
            break
        name = tok.split("=", 1)[0]
        if name in _SWITCH_FLAGS and (tok == name or name == "--json"):
            front.append(tok)
        elif name in _VALUE_FLAGS:
            if "=" in tok:
                front.append(tok)
            elif i + 1 < len(argv):
                front.extend(argv[i : i + 2])
                i += 1
            else:
                front.append(tok)
        else:
            rest.append(tok)
        i += 1
    return front + rest


def _version_callback(value: bool) -> None:
    if value:
        from fozzy import __version__

        sys.stdout.write(f"fozzy {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def global_options(
    config: Annotated[str, typer.Option(help="Config file to load (and that init writes).")] = (
        "fozzy.toml"
    ),
    cwd: Annotated[str | None, typer.Option(help="Working directory for everything.")] = None,
    json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No ANSI colours.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", "--strict-verify", help="Strict mode (the default).")
    ] = False,
    unsafe: Annotated[bool, typer.Option("--unsafe", help="Relax strict mode.")] = False,
    proc_backend: Annotated[
        str | None,
        typer.Option(help="Backend for proc_spawn: scripted|host."),
    ] = None,
    fs_backend: Annotated[
        str | None, typer.Option(help="Backend for fs_* steps: virtual|host.")
    ] = None,
    http_backend: Annotated[
        str | None, typer.Option(help="Backend for http_* steps: scripted|host.")
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Print version."),
    ] = False,
) -> None:
    from fozzy.config import BACKEND_CHOICES, load_config
    from fozzy.errors import ArgumentError

    G.json = json
    G.no_color = no_color or bool(os.environ.get("NO_COLOR"))
    if strict and unsafe:
        raise ArgumentError("--strict and --unsafe cannot be used together")
    G.strict = not unsafe
    for key, value in (
        ("proc_backend", proc_backend), ("fs_backend", fs_backend), ("http_backend", http_backend)
    ):
        if value is not None and value not in BACKEND_CHOICES[key]:
            flag = "--" + key.replace("_", "-")
            raise ArgumentError(
                f"{flag} must be one of {'|'.join(BACKEND_CHOICES[key])}, got {value!r}"
            )
    G.proc_backend, G.fs_backend, G.http_backend = proc_backend, fs_backend, http_backend
    if cwd is not None:
        try:
            os.chdir(cwd)
        except OSError as e:
            raise FozzyError(f"failed to set cwd to {cwd}: {e.strerror or e}") from None
    G.config_path = config
    G.config = load_config(config)


for _module in COMMAND_MODULES:
    import_module(_module).register(app)


def _fail(message: str, code: str) -> int:
    from fozzy.cli.output import emit_error

    emit_error(message, code)
    return 2


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    G.json = "--json" in args or "--json=true" in args
    command = typer.main.get_command(app)
    try:
        result = command.main(args=hoist_globals(args), prog_name="fozzy", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as e:
        code = e.exit_code
    except typer.Abort:
        code = _fail("aborted", "interrupted")
    except typer.TyperException as e:
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        code = _fail(message, "usage")
    except ConfigError as e:
        code = _fail(e.render(), "config")
    except FozzyError as e:
        code = _fail(e.render(), e.category.replace(" ", "_"))
    except KeyboardInterrupt:
        code = _fail("interrupted", "interrupted")
    sys.stdout.flush()
    sys.exit(code)
