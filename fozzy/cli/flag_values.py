"""The values of the options every scenario-executing command shares, checked and combined
with `fozzy.toml` (CLI > config > default; memory switches OR-ed; tracking on when any memory
option is set anywhere), and how a finished command concludes.

Typer-free, unlike the option declarations in `fozzy.cli.common`: the fast `fuzz` start
(`fozzy.cli.fast`) and the pytest plugin use these without importing Typer.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any, NamedTuple

from fozzy.config import REPORTERS, Config
from fozzy.errors import ArgumentError

if TYPE_CHECKING:
    from fozzy.artifacts.invocation import Invocation

U64_MAX = (1 << 64) - 1

PROFILE_CAPTURES = ("baseline", "full")


def full_profile_capture(value: str) -> bool:
    """Whether `--profile-capture` asks for every artifact a profile reads."""
    from fozzy.errors import ArgumentError

    if value not in PROFILE_CAPTURES:
        raise ArgumentError(f"--profile-capture must be baseline or full, got {value!r}")
    return value == "full"


class ExecutionFlags(NamedTuple):
    det: bool
    seed: int
    timeout_ms: int | None
    reporter: str
    memory: dict[str, Any]  # normalized memory options as workers expect them


def parse_seed(text: str | None) -> int:
    """The given seed, or a fresh random u64 from the OS."""
    if text is None:
        return int.from_bytes(os.urandom(8), "little")
    s = text.strip()
    if not (s.isascii() and s.isdigit()) or int(s) > U64_MAX:
        raise ArgumentError(f"--seed must be an unsigned 64-bit integer, got {text!r}")
    return int(s)


#: Longest duration flag (24 days): deadlines become millisecond poll and timer timeouts,
#: which must fit a C int (2^31 - 1 ms).
MAX_FLAG_DURATION_MS = 24 * 24 * 3600 * 1000


def parse_duration_flag(text: str | None, flag: str) -> int | None:
    """A duration option's value in ms (None when absent); a bad one names its flag."""
    from workers.engine.durations import DurationError, parse_duration_ms

    if text is None:
        return None
    try:
        ms = parse_duration_ms(text)
    except DurationError as e:
        raise ArgumentError(f"{flag}: {e}") from None
    if ms > MAX_FLAG_DURATION_MS:
        raise ArgumentError(f"{flag}: {text!r} is longer than the maximum of 576h")
    return ms


def parse_percent_flag(text: str | None, flag: str, at_most: float | None = None) -> float | None:
    """A percentage option's value (None when absent): finite, at least 0, and at most
    `at_most` when given; a bad one names its flag."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value >= 0 and (at_most is None or value <= at_most):
        return value
    if at_most is None:
        raise ArgumentError(f"{flag} must be a non-negative percentage, got {text!r}")
    raise ArgumentError(f"{flag} must be a percentage between 0 and {at_most:g}, got {text!r}")


def parse_timeout(text: str | None) -> int | None:
    return parse_duration_flag(text, "--timeout")


def resolve_reporter(cli: str | None, config: Config) -> str:
    value = cli if cli is not None else config.reporter
    if value not in REPORTERS:
        raise ArgumentError(f"--reporter must be one of {'|'.join(REPORTERS)}, got {value!r}")
    return value


def memory_options(
    config: Config,
    *,
    track: bool = False,
    limit_mb: int | None = None,
    fail_after: int | None = None,
    fragmentation_seed: int | None = None,
    pressure_wave: str | None = None,
    fail_on_leak: bool = False,
    leak_budget: int | None = None,
    artifacts: bool = False,
) -> dict[str, Any]:
    """CLI values over config values; switches OR-ed; normalized (tracking forced on when any
    option is set) with the same function the worker uses, so both sides agree."""
    from workers.engine.memory import MemoryOptionsError, normalize_options

    for flag, value in (
        ("--mem-limit-mb", limit_mb), ("--mem-fail-after", fail_after),
        ("--mem-fragmentation-seed", fragmentation_seed), ("--leak-budget", leak_budget),
    ):
        if value is not None and not 0 <= value <= U64_MAX:
            raise ArgumentError(f"{flag} must be an unsigned 64-bit integer, got {value}")

    def pick(cli: Any, cfg: Any) -> Any:
        return cli if cli is not None else cfg

    raw = {
        "track": track or config.mem_track,
        "limit_mb": pick(limit_mb, config.mem_limit_mb),
        "fail_after_allocs": pick(fail_after, config.mem_fail_after),
        "fail_on_leak": fail_on_leak or config.fail_on_leak,
        "leak_budget_bytes": pick(leak_budget, config.leak_budget),
        "fragmentation_seed": pick(fragmentation_seed, config.mem_fragmentation_seed),
        "pressure_wave": pick(pressure_wave, config.mem_pressure_wave),
        "artifacts": artifacts or config.mem_artifacts,
    }
    try:
        return normalize_options(raw)
    except MemoryOptionsError as e:
        raise ArgumentError(str(e)) from None


def execution_flags(
    config: Config,
    *,
    det: bool,
    seed: str | None,
    timeout: str | None,
    reporter: str | None,
    mem_track: bool,
    mem_limit_mb: int | None,
    mem_fail_after: int | None,
    mem_fragmentation_seed: int | None,
    mem_pressure_wave: str | None,
    fail_on_leak: bool,
    leak_budget: int | None,
    mem_artifacts: bool,
) -> ExecutionFlags:
    """Check every shared flag and resolve it against the config, before anything runs."""
    return ExecutionFlags(
        det=det,
        seed=parse_seed(seed),
        timeout_ms=parse_timeout(timeout),
        reporter=resolve_reporter(reporter, config),
        memory=memory_options(
            config,
            track=mem_track,
            limit_mb=mem_limit_mb,
            fail_after=mem_fail_after,
            fragmentation_seed=mem_fragmentation_seed,
            pressure_wave=mem_pressure_wave,
            fail_on_leak=fail_on_leak,
            leak_budget=leak_budget,
            artifacts=mem_artifacts,
        ),
    )


def conclude(summary: dict[str, Any], reporter: str) -> int:
    """Print a finished run's summary and return the exit code (strict mode included).

    JSON output is one document: the summary, or on a strict-mode violation only the error
    envelope with the summary embedded under `summary`. Human output is the pretty block,
    then the strict error line on stderr when there is one.
    """
    import sys

    from fozzy.artifacts.render import pretty_text
    from fozzy.artifacts.summary import strict_violation
    from fozzy.cli.context import G
    from fozzy.cli.output import emit_error, print_json
    from fozzy.errors import exit_code

    as_json = G.json or reporter == "json"
    violation = strict_violation(summary) if G.strict else None
    if violation is not None and as_json:
        G.json = True
        emit_error(violation, "strict_mode", extra={"summary": summary})
        return 2
    if as_json:
        print_json(summary)
    else:
        color = not G.no_color and sys.stdout.isatty()
        sys.stdout.write(pretty_text(summary, color=color))
        sys.stdout.flush()
    if violation is not None:
        emit_error(violation, "strict_mode")
        return 2
    return exit_code(summary["status"])


def interrupted_or(code: int, summary: dict[str, Any]) -> int:
    """`128 + signal` when the report printed is the partial one of an interrupted run."""
    from fozzy.cli.signals import interrupt_exit_code
    from fozzy.executor.interrupted import was_interrupted

    return interrupt_exit_code() if was_interrupted(summary) else code


def worker_mem_mb(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise ArgumentError(f"--worker-mem-mb must be at least 1, got {value}")
    return value


def invocation() -> Invocation:
    """This invocation's global flags, as every reproduce command repeats them."""
    from fozzy.artifacts.invocation import DEFAULT_CONFIG, Invocation
    from fozzy.cli.context import G

    config = G.config
    return Invocation(
        cwd=G.cwd,
        config=None if G.config_path == DEFAULT_CONFIG else G.config_path,
        config_backends={"proc": config.proc_backend, "fs": config.fs_backend,
                         "http": config.http_backend},
    )


def host_limits(config: Config) -> dict[str, int]:
    """The streaming byte caps every job carries to its worker (config `max_*_bytes`)."""
    return {
        "max_output_bytes": config.max_output_bytes,
        "max_http_body_bytes": config.max_http_body_bytes,
    }
