"""The global flags of an invocation that every reproduce command repeats.

Its own module because commands build it before their first worker starts, while the
command builders (`fozzy.artifacts.reproduce`) are needed only once a run has results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

#: What each backend family is when neither a flag nor the config chooses one.
DEFAULT_BACKENDS = {"proc": "scripted", "fs": "virtual", "http": "scripted"}
#: The config file every command loads unless `--config` names another.
DEFAULT_CONFIG = "fozzy.toml"


class Invocation(NamedTuple):
    """The global flags of this invocation that a reproduce command must repeat."""

    cwd: str | None = None  # absolute working directory, when `--cwd` moved there
    config: str | None = None  # the `--config` path as given, when not the default
    #: Each family's backend when no backend flag is given (the config's, else the default).
    config_backends: Mapping[str, str] = DEFAULT_BACKENDS

    def global_args(self, backends: Mapping[str, str] | None) -> list[str]:
        """`--cwd`, `--config`, then a backend flag for every family that is not the
        default, or that a flag moved away from the config's choice."""
        args: list[str] = []
        if self.cwd is not None:
            args += ["--cwd", self.cwd]
        if self.config is not None:
            args += ["--config", self.config]
        for family, default in DEFAULT_BACKENDS.items():
            value = (backends or {}).get(family, default)
            if value != default or value != self.config_backends.get(family, default):
                args += [f"--{family}-backend", value]
        return args
