"""`fozzy.toml`: loaded strictly. A config that exists but cannot be read, parsed or
understood is an error for every command; there is no silent fallback to defaults."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from fozzy.errors import ConfigError

BACKEND_CHOICES = {
    "proc_backend": ("scripted", "host"),
    "fs_backend": ("virtual", "host"),
    "http_backend": ("scripted", "host"),
}
REPORTERS = ("pretty", "json", "junit", "html")
DEFAULT_LIMIT_BYTES = 8 * 1024 * 1024


@dataclass
class Config:
    base_dir: str = ".fozzy"
    reporter: str = "pretty"
    proc_backend: str = "scripted"
    fs_backend: str = "virtual"
    http_backend: str = "scripted"
    mem_track: bool = False
    mem_limit_mb: int | None = None
    mem_fail_after: int | None = None
    fail_on_leak: bool = False
    leak_budget: int | None = None
    mem_fragmentation_seed: int | None = None
    mem_pressure_wave: str | None = None
    mem_artifacts: bool = False
    max_output_bytes: int = DEFAULT_LIMIT_BYTES
    max_http_body_bytes: int = DEFAULT_LIMIT_BYTES
    dask: str | None = None
    #: Heap budgets (bytes) for `run`, `replay` and `test`: exceeding one adds a checker
    #: finding (docs/profiling.md).
    profile_heap_alloc_budget: int | None = None
    profile_heap_in_use_budget: int | None = None
    #: Input size limits (`[limits]` table); only the keys the file sets, the rest default.
    limits: dict[str, int] = field(default_factory=dict)
    path: str = field(default="fozzy.toml", compare=False)
    loaded: bool = field(default=False, compare=False)

    def to_toml(self) -> str:
        """The effective config as TOML, unset optional keys omitted (what `init` writes)."""
        lines = []
        for f in fields(self):
            if f.name in ("path", "loaded"):
                continue
            value = getattr(self, f.name)
            if value is None or f.name == "limits":
                continue
            lines.append(f"{f.name} = {_toml_value(value)}")
        if self.limits:
            lines.append("\n[limits]")
            lines.extend(f"{k} = {v}" for k, v in self.limits.items())
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


_KEYS = {f.name: f for f in fields(Config) if f.name not in ("path", "loaded")}
#: Largest integer any config value may hold: every consumer works in signed 64-bit range.
INT_MAX = (1 << 63) - 1
_INT_KEYS = {
    "mem_limit_mb", "mem_fail_after", "leak_budget", "mem_fragmentation_seed",
    "max_output_bytes", "max_http_body_bytes", "profile_heap_alloc_budget",
    "profile_heap_in_use_budget",
}
_BOOL_KEYS = {"mem_track", "fail_on_leak", "mem_artifacts"}


def _check(key: str, value: Any, path: str) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"failed to parse config {path}: `{key}` must be {expected}")

    if key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise bad("a boolean")
    elif key in _INT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT_MAX:
            raise bad(f"a non-negative integer at most {INT_MAX}")
        if key in ("max_output_bytes", "max_http_body_bytes") and value == 0:
            raise bad("a positive integer")
    elif not isinstance(value, str):
        raise bad("a string")
    elif key == "base_dir" and not value.strip():
        raise bad("a non-empty path")
    elif "\0" in value:
        raise bad("a string without NUL bytes")
    if key in BACKEND_CHOICES and value not in BACKEND_CHOICES[key]:
        raise bad("one of " + "|".join(BACKEND_CHOICES[key]))
    if key == "reporter" and value not in REPORTERS:
        raise bad("one of " + "|".join(REPORTERS))
    if key == "dask":
        from fozzy.errors import ArgumentError
        from fozzy.executor.dask_address import parse_address

        try:
            parse_address(value)
        except ArgumentError:
            raise bad("a Dask scheduler address (tcp://host:8786) or local / local:N") from None
    return value


def load_config(path: str) -> Config:
    """Load `path` (relative to the current directory); a missing file means defaults (and
    no TOML parser is imported for it)."""
    from workers.input_limits import limits
    from workers.regular_file import read_regular

    try:
        raw = read_regular(path, limits().json_bytes, "json_bytes")
    except FileNotFoundError:
        return Config(path=path)
    except OSError as e:
        raise ConfigError(f"failed to read config {path}: {e.strerror or e}") from None
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise ConfigError(f"failed to parse config {path}: {e}") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _KEYS:
            import difflib

            hint = difflib.get_close_matches(key, list(_KEYS), n=1)
            extra = f" (did you mean `{hint[0]}`?)" if hint else ""
            raise ConfigError(f"failed to parse config {path}: unknown key `{key}`{extra}")
        values[key] = _limits(value, path) if key == "limits" else _check(key, value, path)
    return Config(**values, path=path, loaded=True)


def _limits(table: Any, path: str) -> dict[str, int]:
    """The `[limits]` table: known keys only, each a positive integer in range."""
    from workers.input_limits import LIMIT_KEYS, LIMIT_MAX

    if not isinstance(table, dict):
        raise ConfigError(f"failed to parse config {path}: `limits` must be a table")
    out: dict[str, int] = {}
    for key, value in table.items():
        if key not in LIMIT_KEYS:
            raise ConfigError(
                f"failed to parse config {path}: unknown key `limits.{key}` "
                f"(known: {', '.join(LIMIT_KEYS)})"
            )
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LIMIT_MAX:
            raise ConfigError(
                f"failed to parse config {path}: `limits.{key}` must be an integer "
                f"between 1 and {LIMIT_MAX}"
            )
        out[key] = value
    return out
