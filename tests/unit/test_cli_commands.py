"""The lazy command table: it names every command the modules register, and running one
command imports only its own module."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module
from pathlib import Path

import typer

from fozzy.cli.app import COMMANDS, full_command_tree

CLI_DIR = Path(__file__).resolve().parents[2] / "fozzy" / "cli"


def _registered(module: str) -> set[str]:
    sub = typer.Typer()
    import_module(module).register(sub)
    names = {c.name for c in sub.registered_commands}
    names |= {g.name or (g.typer_instance.info.name if g.typer_instance else None)
              for g in sub.registered_groups}
    return {str(n) for n in names}


def test_the_table_names_exactly_what_each_module_registers() -> None:
    for module in set(COMMANDS.values()):
        assert _registered(module) == {n for n, m in COMMANDS.items() if m == module}, module


def test_every_command_module_is_in_the_table() -> None:
    modules = {f"fozzy.cli.{p.stem}" for p in CLI_DIR.glob("cmd_*.py")}
    assert modules == set(COMMANDS.values())


def test_the_full_tree_lists_commands_in_table_order() -> None:
    tree = full_command_tree()
    assert list(tree.commands) == list(COMMANDS)


def _command_modules_loaded_by(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from fozzy.cli.app import main\n"
        f"try:\n    main({list(argv)!r})\n"
        "except SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.startswith('fozzy.cli.cmd_')]\n"
        "print(' '.join(loaded), file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(r.stderr.split())


def test_a_command_imports_only_its_own_module() -> None:
    assert _command_modules_loaded_by("version") == {"fozzy.cli.cmd_info"}
    assert _command_modules_loaded_by("trace", "--help") == {"fozzy.cli.cmd_trace"}


def test_help_loads_every_command_for_its_listing() -> None:
    assert _command_modules_loaded_by("--help") == set(COMMANDS.values())
