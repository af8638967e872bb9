"""Global flags, resolved once per invocation and read by every command."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from fozzy.config import Config


@dataclass
class Globals:
    json: bool = False
    no_color: bool = False
    strict: bool = True
    config_path: str = "fozzy.toml"
    cwd: str | None = None  # the absolute directory `--cwd` moved to (reproduce commands)
    proc_backend: str | None = None
    fs_backend: str | None = None
    http_backend: str | None = None
    config: Config = field(default_factory=Config)
    #: time.monotonic() this invocation started (budgets such as `fuzz --time` count from it)
    started: float = field(default_factory=time.monotonic)

    def backends(self) -> dict[str, str]:
        """Effective backends: CLI flag, else config, else the deterministic default."""
        return {
            "proc": self.proc_backend or self.config.proc_backend,
            "fs": self.fs_backend or self.config.fs_backend,
            "http": self.http_backend or self.config.http_backend,
        }


G = Globals()


#: a console process reaches main() within a few seconds of its start even on a loaded
#: machine; an older start time means clocks that do not compare (a time namespace)
MAX_LAUNCH_AGE_S = 30.0


def launched_at() -> float:
    """time.monotonic() when this process started (Linux /proc), so that a budget includes
    the interpreter's start-up; now where that cannot be read or is implausible."""
    now = time.monotonic()
    try:
        with open("/proc/self/stat", "rb") as f:
            ticks = int(f.read().rsplit(b")", 1)[1].split()[19])  # field 22: starttime
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - age if 0.0 <= age <= MAX_LAUNCH_AGE_S else now
