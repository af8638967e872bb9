"""The virtual clock.

`freeze` really stops time here (our departure from the reference, see DECISIONS.md): while
frozen only `advance` and `freeze at_ms` move it; sleeps, delays, polling and host durations
do not.
"""

from __future__ import annotations

U64_MAX = (1 << 64) - 1


class Clock:
    __slots__ = ("frozen", "now_ms")

    def __init__(self) -> None:
        self.now_ms = 0
        self.frozen = False

    def pass_time(self, ms: int) -> None:
        """Time passing on its own (sleep, delay, poll, host call): stopped while frozen."""
        if not self.frozen:
            self.now_ms = min(self.now_ms + ms, U64_MAX)

    def advance(self, ms: int) -> None:
        """An explicit jump (`advance`): moves even a frozen clock."""
        self.now_ms = min(self.now_ms + ms, U64_MAX)

    def checkpoint(self) -> tuple[int, bool]:
        return (self.now_ms, self.frozen)

    def restore(self, saved: tuple[int, bool]) -> None:
        self.now_ms, self.frozen = saved
