"""Selector resolution (§5.4) over run directories the real finalizer writes, and the
manifest-digest integrity model that decides which runs can be trusted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from fozzy.artifacts import aliases
from fozzy.artifacts.listing import ArtifactError
from fozzy.artifacts.selectors import resolve
from fozzy.errors import TraceError
from fozzy.executor.finalize import ArtifactOptions, Execution, Finalized, finalize
from fozzy.trace.model import build_trace
from fozzy.trace.writer import resolve_target, write_trace

NS = 1_000_000
T0 = 1_772_446_530_412_000_000
EVENTS = [{"time_ms": 0, "name": "hello", "fields": {"a": 1}}]


class Recorder:
    """A `--record`-style trace writer: the trace lives outside the run directory."""

    requested = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def target(self, run_dir: Path, status: str) -> Path | None:
        return resolve_target(self.path, "overwrite")

    def write(self, path: Path, summary: dict[str, Any], execution: Execution) -> None:
        write_trace(path, build_trace(
            mode="run", scenario_path="s.fozzy.json",
            scenario={"version": 1, "name": "s", "steps": []},
            decisions=[], events=execution.events, summary=summary,
        ))


def run(status: str, *, at: int = 0, record: Path | None = None, **kw: Any) -> Finalized:
    execution = Execution(mode="run", seed=9, status=status, started_ns=T0 + at * NS,
                          wall_ns=NS, events=EVENTS, virtual_ms=0, **kw)
    trace = Recorder(record) if record is not None else None
    return finalize(execution, ".fozzy", ArtifactOptions(), trace=trace)


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOZZY_ARTIFACTS_FULL", raising=False)


def test_run_id_directory_and_aliases_select_the_same_run(tmp_path: Path) -> None:
    first = run("pass", at=0)
    failed = run("fail", at=10)
    newest = run("pass", at=20)
    rid = newest.summary["identity"]["runId"]
    for sel in (rid, str(newest.run_dir), "latest", " LATEST ", "last-pass"):
        assert resolve(sel, ".fozzy").summary == newest.summary
    assert resolve("last-fail", ".fozzy").summary == failed.summary
    rel = os.path.relpath(first.run_dir, tmp_path)
    assert resolve("./" + rel, ".fozzy").run_dir == first.run_dir


def test_manifest_lists_every_written_file_and_listing_order(tmp_path: Path) -> None:
    done = run("fail")
    manifest = orjson.loads((done.run_dir / "manifest.json").read_bytes())
    assert [r["name"] for r in manifest["files"]] == ["events.json", "timeline.json",
                                                     "report.json"]
    sel = resolve("latest", ".fozzy")
    assert [f.name for f in sel.files] == ["timeline.json", "report.json", "events.json",
                                          "manifest.json"]
    assert all(f.path.is_absolute() for f in sel.files)


def test_tampered_file_is_rejected_and_aliases_skip_that_run() -> None:
    older = run("fail", at=0)
    newer = run("fail", at=10)
    (newer.run_dir / "events.json").write_text("[]")
    with pytest.raises(ArtifactError, match="changed after the run wrote it"):
        resolve(newer.summary["identity"]["runId"], ".fozzy")
    assert resolve("last-fail", ".fozzy").summary == older.summary
    (older.run_dir / "timeline.json").unlink()
    with pytest.raises(ArtifactError, match="no matching intact run"):
        resolve("latest", ".fozzy")


def test_report_without_manifest_is_incomplete_and_empty_dir_has_no_report() -> None:
    done = run("pass")
    (done.run_dir / "manifest.json").unlink()
    with pytest.raises(ArtifactError, match=r"missing required files: manifest\.json"):
        resolve(str(done.run_dir), ".fozzy")
    Path("empty").mkdir()
    with pytest.raises(ArtifactError, match="no report found"):
        resolve("empty", ".fozzy")


def test_alias_index_is_rebuilt_from_runs_when_corrupt() -> None:
    run("pass", at=0)
    newest = run("fail", at=5)
    Path(".fozzy", aliases.INDEX).write_text("{not json")
    assert resolve("latest", ".fozzy").summary == newest.summary
    doc = orjson.loads(Path(".fozzy", aliases.INDEX).read_bytes())
    assert len(doc["entries"]) == 2


def test_alias_errors_name_the_problem() -> None:
    with pytest.raises(ArtifactError, match="runs directory not found"):
        resolve("latest", ".fozzy")
    run("pass")
    with pytest.raises(ArtifactError, match="no matching intact run"):
        resolve("last-fail", ".fozzy")


def test_unknown_selectors_and_missing_traces() -> None:
    run("pass")
    with pytest.raises(ArtifactError, match=r"not a trace file, a directory, an alias"):
        resolve("no-such-run", ".fozzy")
    with pytest.raises(ArtifactError, match="trace path not found: /"):
        resolve("missing.fozzy", ".fozzy")
    with pytest.raises(ArtifactError, match="does not exist"):
        resolve("../escape", ".fozzy")
    with pytest.raises(ArtifactError, match="empty"):
        resolve("  ", ".fozzy")


def test_trace_spellings_are_equivalent_and_bring_their_run_files(tmp_path: Path) -> None:
    Path("out").mkdir()
    done = run("fail", record=tmp_path / "out" / "t.fozzy")
    spellings = ["out/t.fozzy", "./out/t.fozzy", str(tmp_path / "out" / "t.fozzy"),
                 "out/../out/t.fozzy"]
    results = [resolve(s, ".fozzy") for s in spellings]
    assert all(r.summary == done.summary for r in results)
    assert all(r.label == str(tmp_path / "out" / "t.fozzy") for r in results)
    assert results[0].files[0].name == "t.fozzy"
    assert "report.json" in [f.name for f in results[0].files]
    by_id = resolve(done.summary["identity"]["runId"], ".fozzy")
    assert by_id.trace_path == tmp_path / "out" / "t.fozzy"
    assert by_id.events() == EVENTS


def test_copied_trace_stands_alone_and_tampered_trace_fails(tmp_path: Path) -> None:
    run("fail", record=tmp_path / "t.fozzy")
    shutil.copy(tmp_path / "t.fozzy", tmp_path / "copy.fozzy")
    alone = resolve("copy.fozzy", ".fozzy")
    assert [f.name for f in alone.files] == ["copy.fozzy"]
    assert alone.run_dir is None
    original = (tmp_path / "t.fozzy").read_bytes()
    # Whitespace keeps the trace checksum valid; the manifest digest still notices.
    (tmp_path / "t.fozzy").write_bytes(original + b"\n")
    with pytest.raises(ArtifactError, match="changed after the run wrote it"):
        resolve("t.fozzy", ".fozzy")
    (tmp_path / "t.fozzy").write_bytes(original.replace(b'"hello"', b'"HELLO"'))
    with pytest.raises(TraceError, match="checksum mismatch"):
        resolve("t.fozzy", ".fozzy")


def test_copied_run_directory_still_verifies(tmp_path: Path) -> None:
    done = run("fail")
    shutil.copytree(done.run_dir, tmp_path / "elsewhere")
    sel = resolve("elsewhere", ".fozzy")
    assert sel.summary == done.summary
    assert {f.path.parent for f in sel.files} == {tmp_path / "elsewhere"}
