"""The pytest plugin (entry point `pytest11: fozzy`): hooks and options only.

Installing fozzy must never change an existing pytest run, so the plugin is opt-in
(`pytest --fozzy` or ini `fozzy = true`) and this module imports nothing of fozzy's modes,
pool or scenario code: when the plugin is on, `pytest_configure` builds the session object
(`fozzy.pytesting.session.FozzySession`, which owns the worker pool and holds the collection
and run hooks) and registers it with the plugin manager, as pytest-xdist does with `DSession`.
Without `--fozzy` the only cost of the plugin is declaring its options.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

#: The name the session object is registered under (`config.pluginmanager.get_plugin`).
SESSION_PLUGIN = "fozzy-session"

#: Backend choices per family, as `fozzy.config.BACKEND_CHOICES` (not imported: this module
#: must stay free of fozzy imports); a unit test keeps the two equal.
BACKENDS = {"proc": ("scripted", "host"), "fs": ("virtual", "host"), "http": ("scripted", "host")}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fozzy", "fozzy scenarios (*.fozzy.json) as test items")
    group.addoption("--fozzy", action="store_true", default=None,
                    help="Collect fozzy scenario files and run them on fozzy's worker pool.")
    group.addoption("--fozzy-seed", metavar="N", default=None,
                    help="Suite seed (u64); each scenario's seed derives from it and its path,"
                    " as in `fozzy test`. Random when omitted.")
    group.addoption("--fozzy-det", action="store_true", dest="fozzy_det", default=None,
                    help="Deterministic mode (virtual time, recorded decisions).")
    group.addoption("--no-fozzy-det", action="store_false", dest="fozzy_det",
                    help="Non-deterministic mode (overrides ini fozzy_det).")
    group.addoption("--fozzy-timeout", metavar="DUR", default=None,
                    help="Per-scenario time limit, e.g. 500ms, 2s (ini fozzy_timeout).")
    group.addoption("--fozzy-jobs", metavar="N", type=int, default=None,
                    help="Worker processes per pytest process (default: usable CPUs, divided"
                    " among xdist workers).")
    for family, choices in BACKENDS.items():
        group.addoption(f"--fozzy-{family}-backend", metavar="|".join(choices), default=None,
                        choices=choices,
                        help=f"{family} backend (default: fozzy.toml, else {choices[0]}).")
    group.addoption("--fozzy-record", metavar="DIR", default=None,
                    help="Write a trace of every failing scenario into DIR; the failure's"
                    " reproduce command then replays it.")
    parser.addini("fozzy", type="bool", default=False,
                  help="Collect fozzy scenarios without --fozzy.")
    parser.addini("fozzy_files", type="args", default=["*.fozzy.json"],
                  help="Glob patterns of fozzy scenario file names.")
    parser.addini("fozzy_det", type="bool", default=False, help="Deterministic mode.")
    parser.addini("fozzy_timeout", default="", help="Per-scenario time limit.")
    parser.addini("fozzy_explore_schedule", default="fifo",
                  help="Explore strategy for distributed scenarios (as `fozzy explore`).")
    parser.addini("fozzy_explore_schedules", default="",
                  help="Schedules per distributed scenario for sampling strategies.")
    parser.addini("fozzy_explore_steps", default="",
                  help="Choices per schedule (bfs/dfs: search depth).")
    parser.addini("fozzy_explore_time", default="",
                  help="Wall-clock budget per distributed scenario (default: fozzy_timeout).")


def enabled(config: pytest.Config) -> bool:
    """`--fozzy` on the command line, else ini `fozzy`."""
    flag = config.getoption("fozzy")
    return bool(flag) if flag is not None else bool(config.getini("fozzy"))


def pytest_configure(config: pytest.Config) -> None:
    if not enabled(config):
        return
    from fozzy.pytesting.session import FozzySession

    config.addinivalue_line("markers", "fozzy: a fozzy scenario file run on fozzy's workers")
    config.addinivalue_line(
        "markers", "fozzy_explore: a distributed fozzy scenario explored on fozzy's workers")
    config.pluginmanager.register(FozzySession(config), SESSION_PLUGIN)
