"""Simulated memory (placeholder; the memory step family fills in the allocator model)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workers.engine.runtime import Runtime


class MemoryModel:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def checkpoint(self) -> Any:
        return None

    def restore(self, saved: Any) -> None:
        return None

    def finish(self, rt: Runtime, status: str) -> tuple[str, dict[str, Any] | None]:
        return status, None
