"""The virtual filesystem: an in-memory map of opaque path keys to text, with named snapshots."""

from __future__ import annotations


class VirtualFs:
    __slots__ = ("files", "snapshots")

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.snapshots: dict[str, dict[str, str]] = {}

    def checkpoint(self) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        return (dict(self.files), dict(self.snapshots))

    def restore(self, saved: tuple[dict[str, str], dict[str, dict[str, str]]]) -> None:
        self.files, self.snapshots = dict(saved[0]), dict(saved[1])
