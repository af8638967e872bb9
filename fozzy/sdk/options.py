"""The constructor options both clients share, and the argument vector they produce."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: `--log` levels fozzy accepts.
LOG_LEVELS = ("trace", "debug", "info", "warn", "error")


@dataclass(frozen=True)
class Options:
    """How every call is made: the executable, its working directory and global flags.

    `cwd=None` means the caller's working directory at construction (the reference SDK's
    rule), so a later `os.chdir` in the host does not move where fozzy runs. `config=None`
    leaves `--config` out, so fozzy's own default (fozzy.toml) applies.
    """

    bin: str = "fozzy"
    cwd: str | None = None
    config: str | None = None
    log: str = "info"
    json: bool = True
    no_color: bool = False
    env: Mapping[str, str | None] = field(default_factory=dict)
    timeout: float | None = None

    def __post_init__(self) -> None:
        if self.log not in LOG_LEVELS:
            raise ValueError(f"log must be one of {'|'.join(LOG_LEVELS)}, not {self.log!r}")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        if self.cwd is None:
            object.__setattr__(self, "cwd", os.getcwd())

    def argv(self, args: Sequence[str], *, force_json: bool = False) -> list[str]:
        """bin + global flags + `args`; the typed methods force `--json`."""
        out = [self.bin]
        if self.config is not None:
            out += ["--config", self.config]
        out += ["--log", self.log]
        if self.no_color:
            out.append("--no-color")
        if self.json or force_json:
            out.append("--json")
        return out + list(args)
