"""Shared test helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(params=["pidfd", "pipe"])
def worker_sentinel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Forked workers watched through a pidfd, then through the pipe used where the kernel or
    seccomp refuses pidfds."""
    from workers import forked

    pidfd = request.param == "pidfd"
    if pidfd and not forked.pidfds_work():
        pytest.skip("this kernel gives no pidfds")
    monkeypatch.setattr(forked, "pidfds_work", lambda: pidfd)
    return str(request.param)
