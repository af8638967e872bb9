"""`fozzy fuzz` and `fozzy corpus` through the real command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FOZZY = [sys.executable, "-m", "fozzy"]
PLANTED = "fn:planted.py:parse_header"


def fozzy(tmp: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FOZZY, *args], cwd=tmp, capture_output=True, text=True, timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)},
    )


def fuzz_json(tmp: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = fozzy(tmp, "fuzz", *args, "--json")
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def project(tmp: Path) -> Path:
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", tmp / "planted.py")
    return tmp


def test_coverage_campaign_finds_planted_bug_and_records_a_verified_trace(tmp_path: Path) -> None:
    project(tmp_path)
    code, doc = fuzz_json(tmp_path, PLANTED, "--det", "--runs", "40000", "--corpus", "c")
    assert code == 1
    assert doc["status"] == "fail"
    assert "planted bug" in doc["findings"][0]["message"]
    trace = Path(doc["identity"]["tracePath"])
    assert trace.parent == (tmp_path / "c" / "crashes").resolve()
    body = json.loads(trace.read_text())
    assert body["fuzz"]["target"] == PLANTED
    crash_input = bytes.fromhex(body["fuzz"]["input_hex"])
    assert (tmp_path / "c" / "crashes").glob("crash-*.bin")
    assert crash_input[:2] == b"FZ"
    verify = fozzy(tmp_path, "trace", "verify", str(trace))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert doc["fuzz"]["newCorpusEntries"] > 0
    assert len(list((tmp_path / "c").glob("input-*.bin"))) == doc["fuzz"]["newCorpusEntries"]


def test_property_mode_does_not_find_it_with_the_same_budget(tmp_path: Path) -> None:
    project(tmp_path)
    code, doc = fuzz_json(tmp_path, PLANTED, "--det", "--runs", "40000", "--mode", "property",
                          "--corpus", "c")
    assert code == 0
    assert doc["fuzz"]["crashes"] == []
    assert doc["fuzz"]["newCorpusEntries"] == 0


def test_det_campaigns_are_reproducible(tmp_path: Path) -> None:
    project(tmp_path)
    _, a = fuzz_json(tmp_path, PLANTED, "--det", "--runs", "6000", "--corpus", "a")
    _, b = fuzz_json(tmp_path, PLANTED, "--det", "--runs", "6000", "--corpus", "b")
    keep = ("executed", "features", "corpusEntries", "newCorpusEntries")
    assert {k: a["fuzz"][k] for k in keep} == {k: b["fuzz"][k] for k in keep}
    # Each campaign writes its crash traces into its own corpus dir, so only the paths differ.
    where = ("tracePath", "reproduce")
    assert [{k: v for k, v in c.items() if k not in where} for c in a["fuzz"]["crashes"]] == [
        {k: v for k, v in c.items() if k not in where} for c in b["fuzz"]["crashes"]]
    assert sorted(p.name for p in (tmp_path / "a").glob("*.bin")) == sorted(
        p.name for p in (tmp_path / "b").glob("*.bin"))


def test_minimize_shrinks_the_crashing_input(tmp_path: Path) -> None:
    project(tmp_path)
    code, doc = fuzz_json(tmp_path, PLANTED, "--det", "--runs", "40000", "--corpus", "c",
                          "--minimize")
    assert code == 1
    crash = doc["fuzz"]["crashes"][0]
    assert crash["minimizedBytes"] <= crash["inputBytes"]
    assert crash["minimizedBytes"] == 8  # the header: magic, version, flags, length
    minimized_files = list((tmp_path / "c" / "crashes").glob("crash-*.min.bin"))
    assert bool(minimized_files) == (crash["minimizedBytes"] < crash["inputBytes"])
    for f in minimized_files:
        assert len(f.read_bytes()) == 8


SCENARIO = {"version": 1, "name": "orders", "steps": [
    {"type": "http_when", "method": "POST", "path": "/orders", "status": 201},
    {"type": "http_when", "method": "POST", "path": "/orders?debug=1", "status": 500},
    {"type": "http_request", "method": "POST", "path": "/orders", "expect_status": 201},
]}


def test_scripted_mocks_are_the_system_so_the_fuzzer_never_reaches_the_500(
        tmp_path: Path) -> None:
    """The 500 rule answers only a path the scenario never sends: under the scripted backend
    the request path is what the mock matches on, so it is not mutated (workers.fuzz.mocks)."""
    (tmp_path / "s.fozzy.json").write_text(json.dumps(SCENARIO))
    code, doc = fuzz_json(tmp_path, "scenario:s.fozzy.json", "--det", "--runs", "4000")
    assert code == 0, doc
    assert doc["fuzz"]["executed"] == 4000 and doc["fuzz"]["crashes"] == []


def test_bad_invocations_exit_2_without_traceback(tmp_path: Path) -> None:
    project(tmp_path)
    for args in (
        ["nonsense"], [PLANTED], [PLANTED, "--runs", "10", "--mutator", "nope"],
        ["fn:missing_module:f", "--runs", "10"], [PLANTED, "--det", "--time", "1s"],
        ["scenario:absent.fozzy.json", "--runs", "5"],
    ):
        proc = fozzy(tmp_path, "fuzz", *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error"), proc.stderr


def test_corpus_export_import_and_malicious_zip(tmp_path: Path) -> None:
    (tmp_path / "in.bin").write_bytes(b"seed")
    assert fozzy(tmp_path, "corpus", "add", "c", "in.bin").returncode == 0
    listed = json.loads(fozzy(tmp_path, "--json", "corpus", "list", "c").stdout)
    assert len(listed["inputs"]) == 1
    assert fozzy(tmp_path, "corpus", "export", "c", "--out", "c.zip").returncode == 0
    assert fozzy(tmp_path, "corpus", "import", "c.zip", "--out", "d").returncode == 0
    assert (tmp_path / "d").exists()
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr("../escape.bin", b"x")
    proc = fozzy(tmp_path, "corpus", "import", "evil.zip", "--out", "e")
    assert proc.returncode == 2 and "unsafe archive entry" in proc.stderr
    assert not (tmp_path / "escape.bin").exists()


def test_corpus_minimize_keeps_coverage(tmp_path: Path) -> None:
    project(tmp_path)
    for i, data in enumerate([b"xxxxxxxx", b"yyyyyyyyyy", b"FZ\x01\x00abcd", b"FZ\x02\x00abcd"]):
        (tmp_path / f"{i}.bin").write_bytes(data)
        assert fozzy(tmp_path, "corpus", "add", "c", f"{i}.bin").returncode == 0
    proc = fozzy(tmp_path, "--json", "corpus", "minimize", "c", "--target", PLANTED)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["filesBefore"] == 4 and doc["filesAfter"] == 2
    kept = sorted(p.read_bytes() for p in (tmp_path / "c").glob("*.bin"))
    assert kept == [b"FZ\x01\x00abcd", b"xxxxxxxx"]


BOOM = '''import os


def kill(data: bytes) -> None:
    if data[:1] == b"K":
        os._exit(3)


def hang(data: bytes) -> None:
    if data[:1] == b"H":
        while True:
            pass
'''


def test_fn_input_that_kills_its_worker_is_a_crash_that_replays(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text(BOOM)
    code, doc = fuzz_json(tmp_path, "fn:boom.py:kill", "--det", "--runs", "20000",
                          "--crash-only", "--corpus", "c")
    assert code == 4, doc
    crash = doc["fuzz"]["crashes"][0]
    assert crash["signature"] == "crash|worker_crash"
    saved = list((tmp_path / "c" / "crashes").glob("crash-*.bin"))
    assert saved and saved[0].read_bytes()[:1] == b"K"
    replay = fozzy(tmp_path, "replay", doc["identity"]["tracePath"])
    assert replay.returncode == 4, replay.stdout + replay.stderr


def test_fn_input_that_hangs_is_a_timeout_finding(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text(BOOM)
    code, doc = fuzz_json(tmp_path, "fn:boom.py:hang", "--det", "--runs", "5000",
                          "--timeout", "200ms", "--crash-only", "--corpus", "c")
    assert code == 3, doc
    assert doc["findings"][0]["kind"] == "hang"
    replay = fozzy(tmp_path, "replay", doc["identity"]["tracePath"])
    assert replay.returncode == 3, replay.stdout + replay.stderr
