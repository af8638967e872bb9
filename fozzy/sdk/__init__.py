"""fozzy's Python SDK: drive the `fozzy` executable from code (docs/sdk-python.md).

Importing this package is cheap: every name is loaded on first use, so a host that only
builds scenarios never imports the process machinery, and one that only runs commands never
imports the validator.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fozzy.sdk.aio import AsyncFozzy, AsyncStream
    from fozzy.sdk.builders import (
        DistributedScenarioBuilder,
        ScenarioBuilder,
        ScenarioInvalidError,
    )
    from fozzy.sdk.client import Fozzy
    from fozzy.sdk.errors import (
        CommandError,
        FozzyError,
        FozzyTimeout,
        ProtocolError,
        SpawnError,
    )
    from fozzy.sdk.process import Chunk, ExecResult, Stream

_WHERE = {
    "Fozzy": "client",
    "AsyncFozzy": "aio",
    "AsyncStream": "aio",
    "Stream": "process",
    "Chunk": "process",
    "ExecResult": "process",
    "ScenarioBuilder": "builders",
    "DistributedScenarioBuilder": "builders",
    "ScenarioInvalidError": "builders",
    "FozzyError": "errors",
    "SpawnError": "errors",
    "CommandError": "errors",
    "FozzyTimeout": "errors",
    "ProtocolError": "errors",
}

__all__ = [
    "AsyncFozzy",
    "AsyncStream",
    "Chunk",
    "CommandError",
    "DistributedScenarioBuilder",
    "ExecResult",
    "Fozzy",
    "FozzyError",
    "FozzyTimeout",
    "ProtocolError",
    "ScenarioBuilder",
    "ScenarioInvalidError",
    "SpawnError",
    "Stream",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'fozzy.sdk' has no attribute {name!r}")
    value = getattr(import_module(f"fozzy.sdk.{module}"), name)
    globals()[name] = value
    return value
