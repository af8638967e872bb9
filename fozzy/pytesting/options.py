"""The plugin's options resolved once per pytest process, with `fozzy test`'s rules.

Command line over ini over `fozzy.toml` over defaults, checked by the same parsers the CLI
uses (`fozzy.cli.flag_values`), so `--fozzy-timeout 2x` is the same one-line error as
`fozzy test --timeout 2x` (raised as `pytest.UsageError`: no traceback). The result is a
`TestRequest`, the very request `fozzy test` builds, so run specs and reproduce commands come
from `fozzy.modes.test` unchanged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from fozzy.errors import FozzyError
from fozzy.modes.test import TestRequest

if TYPE_CHECKING:
    from fozzy.artifacts.invocation import Invocation


@dataclass(frozen=True)
class ExploreDefaults:
    """How distributed scenarios are explored (ini `fozzy_explore_*`; `fozzy explore`'s own
    defaults when unset, so `fozzy explore FILE --seed S` reproduces an item)."""

    schedule: str
    schedules: int | None
    steps: int | None
    time_ms: int | None


@dataclass(frozen=True)
class PluginOptions:
    request: TestRequest
    record_dir: str | None
    explore: ExploreDefaults


def _ini_int(config: pytest.Config, name: str) -> int | None:
    text = str(config.getini(name)).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise pytest.UsageError(f"ini {name} must be a non-negative integer, got {text!r}")
    return int(text)


def _suite_seed(config: pytest.Config) -> int:
    """The controller's seed on an xdist worker (every worker must derive the same seeds)."""
    from fozzy.cli.flag_values import parse_seed

    shared = getattr(config, "workerinput", {}).get("fozzy_seed")
    if shared is not None:
        return int(shared)
    text = config.getoption("fozzy_seed")
    try:
        return parse_seed(None if text is None else str(text))
    except FozzyError as e:
        raise pytest.UsageError(e.message.replace("--seed", "--fozzy-seed")) from None


def _jobs(config: pytest.Config) -> int:
    from fozzy.executor.cpus import usable_cpus
    from fozzy.executor.jobs import capped_jobs

    requested = config.getoption("fozzy_jobs")
    if requested is not None:
        if requested < 1:
            raise pytest.UsageError(f"--fozzy-jobs must be at least 1, got {requested}")
        return capped_jobs(int(requested))
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    return max(1, usable_cpus() // max(1, workers))


def _duration(text: str | None, flag: str) -> int | None:
    from fozzy.cli.flag_values import parse_duration_flag

    try:
        return parse_duration_flag(text or None, flag)
    except FozzyError as e:
        raise pytest.UsageError(e.message) from None


def _fozzy_config() -> Any:
    """`fozzy.toml` of the invocation directory, as `fozzy test` run there would read it;
    its `[limits]` apply to this process (collection reads scenario files)."""
    from fozzy.config import load_config
    from workers.input_limits import configure

    try:
        loaded = load_config("fozzy.toml")
    except FozzyError as e:
        raise pytest.UsageError(e.render()) from None
    configure(**loaded.limits)
    return loaded


def _invocation(toml: Any) -> Invocation:
    """Reproduce commands run from the invocation directory, with its `fozzy.toml`."""
    from fozzy.artifacts.invocation import Invocation

    return Invocation(config_backends={"proc": toml.proc_backend, "fs": toml.fs_backend,
                                       "http": toml.http_backend})


def resolve(config: pytest.Config) -> PluginOptions:
    from fozzy.cli.flag_values import host_limits, memory_options

    toml = _fozzy_config()
    det_flag = config.getoption("fozzy_det")
    det = bool(config.getini("fozzy_det")) if det_flag is None else bool(det_flag)
    timeout_ms = _duration(config.getoption("fozzy_timeout") or config.getini("fozzy_timeout"),
                           "--fozzy-timeout")
    backends = {
        family: config.getoption(f"fozzy_{family}_backend") or getattr(toml, f"{family}_backend")
        for family in ("proc", "fs", "http")
    }
    try:
        memory = memory_options(toml)
    except FozzyError as e:
        raise pytest.UsageError(e.message) from None
    request = TestRequest(
        patterns=[], seed=_suite_seed(config), det=det, timeout_ms=timeout_ms,
        memory=memory, backends=backends, limits=host_limits(toml), base_dir=toml.base_dir,
        jobs=_jobs(config), invocation=_invocation(toml),
    )
    record = config.getoption("fozzy_record")
    explore_time = _duration(str(config.getini("fozzy_explore_time")), "ini fozzy_explore_time")
    explore = ExploreDefaults(
        schedule=str(config.getini("fozzy_explore_schedule")).strip() or "fifo",
        schedules=_ini_int(config, "fozzy_explore_schedules"),
        steps=_ini_int(config, "fozzy_explore_steps"),
        time_ms=explore_time if explore_time is not None else timeout_ms,
    )
    return PluginOptions(request, None if record is None else os.path.abspath(record), explore)
