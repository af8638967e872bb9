"""Random argv at every command, built from the real typer command tree: whatever the flags
and values, fozzy answers with a documented exit code, never a traceback, and at most one
JSON document on stdout.

Subprocesses, not CliRunner: commands start worker pools, change directory and install
signal handlers, which an in-process run would leak between examples.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.core import TyperArgument, TyperOption

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples"
           / "plain-assertions-and-seeded-rng.fozzy.json")
EXIT_CODES = {0, 1, 2, 3, 4, 130, 143}
#: Per-command bound; long-running modes also get a short time budget appended.
TIMEOUT_S = 30
#: Options that only print help or version, or that the budget below overrides.
SKIPPED = {"--help", "--version", "--time", "--budget"}
#: Appended last (a later value wins) so a fuzzed run ends in about a second.
BUDGET = {"fuzz": ["--time", "1s"], "explore": ["--time", "1s"], "shrink": ["--budget", "1s"]}


def _leaves(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if hasattr(group, "commands"):
        out = []
        for name, sub in sorted(group.commands.items()):
            out += _leaves(sub, (*path, name))
        return out
    return [(path, group)]


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    from fozzy.cli.app import full_command_tree

    return _leaves(full_command_tree())


COMMANDS = _commands()
GLOBAL_FLAGS = ["--json", "--no-color", "--unsafe", "--strict"]

ODD_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/~"),
    max_size=12,
)
NUMBERS = st.one_of(
    st.integers(min_value=-(1 << 70), max_value=1 << 70).map(str),
    st.sampled_from(["0", "-1", str(1 << 64), str((1 << 64) - 1), "1e999", "nan"]),
    st.sampled_from(["18446744073709551615ms", "0ms", "-1s", "99999999999h", "1s"]),
)
PATHS = st.sampled_from(["pipe", "dir", "missing.fozzy.json", "a.fozzy.json", "t.fozzy",
                         "pipe.fozzy", "latest"])


def _value(param: Any) -> st.SearchStrategy[str]:
    # Positional arguments are mostly real paths, so commands get past their first check.
    pools = [ODD_TEXT, NUMBERS, PATHS] + [PATHS] * (3 if isinstance(param, TyperArgument) else 0)
    choices = getattr(param.type, "choices", None)
    if choices:
        pools.append(st.sampled_from([str(c) for c in choices]))
    return st.one_of(*pools)


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    path, cmd = draw(st.sampled_from(COMMANDS))
    argv = [*path]
    options = [p for p in cmd.params if isinstance(p, TyperOption)
               and not set(p.opts) & SKIPPED]
    for param in draw(st.lists(st.sampled_from(options), max_size=4)) if options else []:
        argv.append(draw(st.sampled_from(param.opts)))
        if not param.is_flag:
            argv.append(draw(_value(param)))
    for param in (p for p in cmd.params if isinstance(p, TyperArgument)):
        count = draw(st.integers(0, 2)) if param.nargs == -1 else draw(st.integers(0, 1)) or 1
        argv += [draw(_value(param)) for _ in range(count)]
    argv += draw(st.lists(st.sampled_from(GLOBAL_FLAGS), max_size=2, unique=True))
    return argv + BUDGET.get(path[0], [])


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("argv")
    shutil.copy(EXAMPLE, root / "a.fozzy.json")
    os.mkfifo(root / "pipe")
    os.mkfifo(root / "pipe.fozzy")
    (root / "dir").mkdir()
    r = subprocess.run([sys.executable, "-m", "fozzy", "run", "a.fozzy.json", "--record",
                        "t.fozzy"], cwd=root, capture_output=True, timeout=TIMEOUT_S, check=False)
    assert r.returncode == 0, r.stderr
    return root


def _json_documents(stdout: str) -> int:
    import json

    decoder, text, count = json.JSONDecoder(), stdout.strip(), 0
    while text[:1] in ("{", "["):
        try:
            _, end = decoder.raw_decode(text)
        except ValueError:
            break
        count += 1
        text = text[end:].strip()
    return count


@pytest.mark.timeout(900)  # 200 fozzy subprocesses: ~90 s on a loaded 2-core machine
@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=argvs())
def test_random_argv_never_tracebacks(work: Path, argv: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "fozzy", *argv], cwd=work, capture_output=True,
                       text=True, timeout=TIMEOUT_S, check=False, stdin=subprocess.DEVNULL)
    shown = f"argv={argv!r}\nstdout={r.stdout[-2000:]}\nstderr={r.stderr[-2000:]}"
    assert r.returncode in EXIT_CODES, shown
    assert "Traceback" not in r.stdout + r.stderr, shown
    assert _json_documents(r.stdout) <= 1, shown
    if "--json" in argv and r.stdout.strip():
        doc: Any = orjson.loads(r.stdout)
        assert isinstance(doc, dict | list), shown
