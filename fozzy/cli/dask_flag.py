"""`--dask ADDRESS` for the commands that run many items (test, fuzz, explore, and shrink's
candidates and doctor --deep's audit runs).

The flag wins over `FOZZY_DASK`, which wins over the config key `dask`. The address is
checked here, before any work, so a malformed one is an exit-2 error even when
`distributed` is not installed; connecting (and importing distributed) waits until the run.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from fozzy.config import Config

ENV = "FOZZY_DASK"

Dask = Annotated[
    str | None,
    typer.Option("--dask", metavar="ADDRESS",
                 help="Run on a Dask cluster: tcp://host:8786, or local / local:N to start"
                 " one here (needs pip install 'fozzy[dask]'; see docs/cluster.md)."),
]


def resolve_dask(flag: str | None, config: Config) -> str | None:
    from fozzy.executor.dask_address import parse_address

    value = flag if flag is not None else os.environ.get(ENV) or config.dask
    if value is None:
        return None
    parse_address(value)
    return value
