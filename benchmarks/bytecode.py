"""Compile fozzy's source tree to bytecode before anything is timed.

An editable install (`pip install -e .`, what a checkout uses) compiles nothing, and with
`PYTHONDONTWRITEBYTECODE` set (as on CI machines) no run ever writes `__pycache__`: every
timed start-up would then compile ~150 modules from source (~0.2 s), a cost no user of an
installed fozzy pays, since `pip install` compiles the package. `compileall` writes the
caches whatever that variable says, and the interpreter reads them either way.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_compiled(root: Path = ROOT) -> None:
    for package in ("fozzy", "workers"):
        if (root / package).is_dir():
            compileall.compile_dir(root / package, quiet=1)
