"""Simulated network (placeholder state; the net step family fills in behaviour)."""

from __future__ import annotations

from typing import Any


class NetSim:
    def checkpoint(self) -> Any:
        return None

    def restore(self, saved: Any) -> None:
        return None
