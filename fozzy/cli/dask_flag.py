"""`--dask ADDRESS` for the commands that run many items (test, fuzz, explore, and shrink's
candidates and doctor --deep's audit runs): the flag's declaration. What it resolves to is
`fozzy.cli.dask_choice.resolve_dask`.
"""

from __future__ import annotations

from typing import Annotated

import typer

Dask = Annotated[
    str | None,
    typer.Option("--dask", metavar="ADDRESS",
                 help="Run on a Dask cluster: tcp://host:8786, or local / local:N to start"
                 " one here (needs pip install 'fozzy[dask]'; see docs/cluster.md)."),
]
