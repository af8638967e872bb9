"""The per-worker bounded memo behind the engine's caches (memory options, callsites, RNG)."""

from __future__ import annotations

from workers.engine.memo import BoundedMemo


def test_a_value_is_made_once_per_key_and_all_are_forgotten_when_full() -> None:
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    memo: BoundedMemo[str, str] = BoundedMemo(2)
    assert memo.get("a", lambda: make("a")) == "A"
    assert memo.get("a", lambda: make("a")) == "A"
    assert memo.get("b", lambda: make("b")) == "B"
    assert made == ["a", "b"]
    assert memo.get("c", lambda: make("c")) == "C"  # full: starts over
    assert "a" not in memo and "b" not in memo and "c" in memo
    assert memo.get("a", lambda: make("a")) == "A"
    assert made == ["a", "b", "c", "a"]
