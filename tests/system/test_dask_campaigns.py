"""Fuzz and explore on a real Dask cluster (see dask_cluster.py): a fuzz campaign finds the
planted `fn:` bug, its trace replays, and with `--runs` and a seed the campaign equals `--jobs 2`
locally (rounds of shards, merged by the coordinator between rounds); a sandbox killed by an
input is a replayable crash; explore reports what `--jobs 2` reports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.system.dask_cluster import Cluster

pytest.importorskip("distributed",
                    reason="distributed is not installed (pip install 'fozzy[dask]')")

ROOT = Path(__file__).resolve().parents[2]
FOZZY = [sys.executable, "-m", "fozzy"]
PLANTED = "fn:planted.py:parse_header"
KEEP = ("executed", "features", "corpusEntries", "newCorpusEntries")


def fozzy(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run([*FOZZY, *args, "--json"], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_fuzz_on_the_cluster_finds_the_bug_and_equals_jobs_2(
        dask_cluster: Cluster, tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", tmp_path / "planted.py")
    common = [PLANTED, "--det", "--runs", "40000", "--seed", "11"]
    code, remote = fozzy(tmp_path, "fuzz", *common, "--corpus", "a", "--dask", dask_cluster.address)
    assert code == 1, remote
    assert "planted bug" in remote["findings"][0]["message"]
    _, local = fozzy(tmp_path, "fuzz", *common, "--corpus", "b", "--jobs", "2")
    assert {k: remote["fuzz"][k] for k in KEEP} == {k: local["fuzz"][k] for k in KEEP}
    assert [c["signature"] for c in remote["fuzz"]["crashes"]] == [
        c["signature"] for c in local["fuzz"]["crashes"]]
    assert sorted(p.name for p in (tmp_path / "a").glob("*.bin")) == sorted(
        p.name for p in (tmp_path / "b").glob("*.bin"))
    replay = subprocess.run([*FOZZY, "replay", remote["identity"]["tracePath"]], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert replay.returncode == 1, replay.stdout + replay.stderr


def test_an_input_that_kills_its_sandbox_is_a_crash_that_replays(
        dask_cluster: Cluster, tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text(
        "import os\n\n\ndef kill(data: bytes) -> None:\n"
        "    if data[:1] == b'K':\n        os._exit(3)\n")
    code, doc = fozzy(tmp_path, "fuzz", "fn:boom.py:kill", "--det", "--runs", "20000",
                      "--crash-only", "--corpus", "c", "--dask", dask_cluster.address)
    assert code == 4, doc
    assert doc["fuzz"]["crashes"][0]["signature"] == "crash|worker_crash"
    saved = list((tmp_path / "c" / "crashes").glob("crash-*.bin"))
    assert saved and saved[0].read_bytes()[:1] == b"K"
    replay = subprocess.run([*FOZZY, "replay", doc["identity"]["tracePath"]], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert replay.returncode == 4, replay.stdout + replay.stderr


def test_explore_on_the_cluster_reports_what_jobs_2_reports(
        dask_cluster: Cluster, tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "explore" / "replication-bug.fozzy.json", tmp_path)
    args = ["explore", "replication-bug.fozzy.json", "--schedule", "random", "--seed", "4"]
    code, remote = fozzy(tmp_path, *args, "--dask", dask_cluster.address)
    assert code == 1, remote
    _, local = fozzy(tmp_path, *args, "--jobs", "2")
    assert remote["findings"] == local["findings"]
    assert {k: v for k, v in remote["explore"].items() if k != "wallMs"} == {
        k: v for k, v in local["explore"].items() if k != "wallMs"}
