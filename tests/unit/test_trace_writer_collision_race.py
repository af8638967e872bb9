"""A trace that lands on the record target between the collision check and the lock: the
re-check after locking must treat it as a collision, never hand the name out to overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from fozzy.errors import TraceError
from fozzy.trace import writer


@pytest.fixture
def racing_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process writes each candidate just before we lock it."""
    real = writer._lock

    def lock_after_a_rival_wrote(target: Path) -> None:
        if not target.exists():
            target.write_text("the rival's trace")
        real(target)

    monkeypatch.setattr(writer, "_lock", lock_after_a_rival_wrote)


def test_error_policy_refuses_a_target_written_while_locking(
    tmp_path: Path, racing_writer: None
) -> None:
    target = tmp_path / "t.fozzy"
    with pytest.raises(TraceError, match="already exists"):
        writer.resolve_target(target, "error")
    assert target.read_text() == "the rival's trace"
    assert not writer.lock_path(target).exists()


def test_append_policy_moves_past_a_target_written_while_locking(
    tmp_path: Path, racing_writer: None
) -> None:
    with pytest.raises(TraceError, match="could not reserve a free name"):
        writer.resolve_target(tmp_path / "t.fozzy", "append")
    assert all(p.read_text() == "the rival's trace" for p in tmp_path.glob("t*.fozzy"))
    assert list(tmp_path.glob("*.lock")) == []
