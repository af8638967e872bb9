"""Global flags, resolved once per invocation and read by every command."""

from __future__ import annotations

import os
import time

from fozzy.config import Config


class Globals:
    """This invocation's global flags. A plain class: every command creates it at start-up,
    where a dataclass's compiled methods cost ~0.6 ms."""

    def __init__(self) -> None:
        self.json = False
        self.no_color = False
        self.strict = True
        self.config_path = "fozzy.toml"
        self.cwd: str | None = None  # the absolute directory `--cwd` moved to (reproduce)
        self.proc_backend: str | None = None
        self.fs_backend: str | None = None
        self.http_backend: str | None = None
        self.config = Config()
        #: time.monotonic() this invocation started (budgets such as `fuzz --time` count
        #: from it)
        self.started = time.monotonic()

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
