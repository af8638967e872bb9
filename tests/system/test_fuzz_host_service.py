"""Fuzzing a real HTTP service on 127.0.0.1 through host HTTP: the planted bug in the bundled
record service needs version 2, the `compress` flag and the frame magic in place. A
coverage-guided campaign finds it; the same budget in property mode does not."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOZZY = [sys.executable, "-m", "fozzy"]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    spec = importlib.util.spec_from_file_location(
        "record_service", ROOT / "examples" / "fuzz" / "record_service.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    server = module.serve(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def project(tmp: Path, port: int) -> None:
    text = (ROOT / "examples" / "fuzz" / "record-service.scenario.json").read_text()
    (tmp / "s.json").write_text(text.replace("127.0.0.1:8765", f"127.0.0.1:{port}"))
    (tmp / "record.dict").write_text((ROOT / "examples" / "fuzz" / "record.dict").read_text())


def campaign(tmp: Path, mode: str, runs: int) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [*FOZZY, "--http-backend", "host", "fuzz", "scenario:s.json", "--dict", "record.dict",
         "--det", "--runs", str(runs), "--mode", mode, "--crash-only", "--corpus", mode,
         "--json"],
        cwd=tmp, capture_output=True, text=True, timeout=600,
    )
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_seed_scenario_passes_against_the_service(tmp_path: Path, port: int) -> None:
    project(tmp_path, port)
    proc = subprocess.run([*FOZZY, "--http-backend", "host", "run", "s.json", "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_coverage_finds_the_planted_500_and_property_mode_does_not(
    tmp_path: Path, port: int
) -> None:
    project(tmp_path, port)
    code, doc = campaign(tmp_path, "coverage", 3000)
    assert code == 1
    crash = doc["fuzz"]["crashes"][0]
    assert crash["signature"].startswith("fail|target_behavior|http_5xx")
    trace = json.loads(Path(doc["identity"]["tracePath"]).read_text())
    # The request that got the 500 carries the planted record (either step may: mutants of
    # both are sent, and the campaign stops at the first failing one).
    bodies = [step["body"] for step in trace["scenario"]["steps"]]
    assert any("v=2" in body and "FZ!7" in body for body in bodies), bodies
    replay = subprocess.run([*FOZZY, "replay", doc["identity"]["tracePath"], "--json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert replay.returncode == 1, replay.stdout + replay.stderr
    replayed = json.loads(replay.stdout)
    assert [f["title"] for f in replayed["findings"]] == ["http_5xx"]
    code, doc = campaign(tmp_path, "property", 3000)
    assert code == 0, doc.get("findings")
    assert doc["fuzz"]["crashes"] == []
