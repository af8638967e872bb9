"""Which writes are synced: traces and asked-for outputs survive a power loss; derived run-dir
files and corpus entries are atomic only (docs: fozzy/artifacts/atomic.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fozzy.artifacts import rundir
from fozzy.artifacts.atomic import atomic_write_bytes
from fozzy.fuzzing.corpus import write_input
from fozzy.trace.model import build_trace
from fozzy.trace.writer import resolve_target, write_trace


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every fd fsynced, in order."""
    seen: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def test_a_durable_write_syncs_the_file_then_its_directory(tmp_path: Path,
                                                           synced: list[str]) -> None:
    atomic_write_bytes(tmp_path / "out.json", b"{}")
    assert len(synced) == 2 and synced[0].startswith(str(tmp_path / ".out.json."))
    assert synced[1] == str(tmp_path)
    assert (tmp_path / "out.json").read_bytes() == b"{}"


def test_derived_run_files_and_corpus_entries_are_atomic_but_not_synced(
        tmp_path: Path, synced: list[str]) -> None:
    rundir.write_json(tmp_path / "report.json", {"status": "pass"})
    entry = write_input(tmp_path / "corpus", b"input")
    assert synced == []
    assert (tmp_path / "report.json").read_bytes() == b'{"status":"pass"}'
    assert entry.read_bytes() == b"input"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_trace_is_synced(tmp_path: Path, synced: list[str]) -> None:
    summary = {"status": "pass", "mode": "run", "identity": {"seed": 1}, "findings": []}
    doc = build_trace(mode="run", scenario_path=None, scenario={"name": "t", "steps": []},
                      decisions=[], events=[], summary=summary)
    write_trace(resolve_target(tmp_path / "t.fozzy"), doc)
    assert synced[-1] == str(tmp_path) and any("t.fozzy" in p for p in synced)
