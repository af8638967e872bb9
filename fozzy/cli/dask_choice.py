"""Which Dask cluster a command runs on, if any: the `--dask` flag wins over `FOZZY_DASK`,
which wins over the config key `dask`.

The address is checked here, before any work, so a malformed one is an exit-2 error even when
`distributed` is not installed; connecting (and importing distributed) waits until the run.
Typer-free, unlike the flag's declaration (`fozzy.cli.dask_flag`), so the fast `fuzz` start
uses it too.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fozzy.config import Config

ENV = "FOZZY_DASK"


def resolve_dask(flag: str | None, config: Config) -> str | None:
    value = flag if flag is not None else os.environ.get(ENV) or config.dask
    if value is None:
        return None
    from fozzy.executor.dask_address import parse_address

    parse_address(value)
    return value
