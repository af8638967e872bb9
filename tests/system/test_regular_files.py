"""Readers refuse FIFOs, devices and directories at once; writers never replace them.

A FIFO would block a plain `open` forever and /dev/zero never ends, so every case runs the
real `fozzy` with a short subprocess timeout: a hang fails the test instead of stalling it.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "plain-assertions-and-seeded-rng.fozzy.json"
#: Generous for a refusal that must be immediate; a hang on a FIFO would never end.
TIMEOUT_S = 30


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args, "--json"], cwd=cwd, capture_output=True,
        text=True, timeout=TIMEOUT_S, check=False,
    )


def refused(cwd: Path, *args: str) -> str:
    r = fozzy(cwd, *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    doc = orjson.loads(r.stdout)
    message = str(doc.get("message", doc.get("error")))
    assert "\n" not in message
    return message


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "a.fozzy.json")
    os.mkfifo(tmp_path / "pipe.fozzy.json")
    os.mkfifo(tmp_path / "pipe")
    os.mkfifo(tmp_path / "pipe.fozzy")
    return tmp_path


@pytest.mark.parametrize("args", [
    ("validate", "pipe.fozzy.json"),
    ("run", "pipe.fozzy.json"),
    ("replay", "pipe"),
    ("trace", "verify", "pipe"),
    ("replay", "pipe.fozzy"),
    ("--config", "pipe", "validate", "a.fozzy.json"),
    ("corpus", "import", "pipe", "--out", "corp"),
    ("corpus", "add", "corp", "pipe"),
    ("fuzz", "a.fozzy.json", "--dict", "pipe", "--runs", "1"),
])
def test_a_fifo_is_refused_at_once(work: Path, args: tuple[str, ...]) -> None:
    (work / "corp").mkdir(exist_ok=True)
    message = refused(work, *args)
    assert "FIFO" in message


@pytest.mark.parametrize("args", [
    ("validate", "/dev/zero"),
    ("trace", "verify", "/dev/zero"),
    ("corpus", "import", "/dev/zero", "--out", "corp"),
])
def test_dev_zero_is_refused_not_read(work: Path, args: tuple[str, ...]) -> None:
    assert "character device" in refused(work, *args)


def test_ci_of_a_fifo_trace_fails_its_integrity_check(work: Path) -> None:
    r = fozzy(work, "ci", "pipe.fozzy")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "is a FIFO, not a regular file" in r.stdout


def test_test_of_a_fifo_ends_at_once(work: Path) -> None:
    refused(work, "test", "pipe.fozzy.json")


def test_a_directory_scenario_is_refused(work: Path) -> None:
    (work / "d.fozzy.json").mkdir()
    assert "directory" in refused(work, "validate", "d.fozzy.json")


def test_a_fifo_fault_file_is_refused(work: Path) -> None:
    shutil.copy(EXAMPLES / "explore" / "replication-ok.fozzy.json", work / "r.fozzy.json")
    assert "FIFO" in refused(work, "explore", "r.fozzy.json", "--faults", "pipe")


@pytest.mark.parametrize("policy", ["error", "overwrite", "append"])
def test_record_onto_a_fifo_leaves_it_a_fifo(work: Path, policy: str) -> None:
    message = refused(work, "run", "a.fozzy.json", "--record", "pipe",
                      "--record-collision", policy)
    assert "FIFO" in message
    assert stat.S_ISFIFO(os.lstat(work / "pipe").st_mode)
    assert not (work / "pipe.1.fozzy").exists()


def test_record_through_a_link_to_a_char_device_leaves_both(work: Path) -> None:
    (work / "null").symlink_to("/dev/null")
    assert "character device" in refused(
        work, "run", "a.fozzy.json", "--record", "null", "--record-collision", "overwrite"
    )
    assert (work / "null").is_symlink()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_record_onto_a_directory_is_refused(work: Path) -> None:
    (work / "t.fozzy").mkdir()
    assert "directory" in refused(work, "run", "a.fozzy.json", "--record", "t.fozzy",
                                  "--record-collision", "overwrite")
    assert (work / "t.fozzy").is_dir()


def _recorded_run(work: Path) -> None:
    r = fozzy(work, "run", "a.fozzy.json", "--record", "t.fozzy")
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("args", [
    ("memory", "graph", "latest", "--out", "pipe"),
    ("artifacts", "export", "latest", "--out", "pipe"),
    ("corpus", "export", "corp", "--out", "pipe"),
    ("shrink", "t.fozzy", "--out", "pipe"),
])
def test_writers_leave_a_fifo_untouched(work: Path, args: tuple[str, ...]) -> None:
    _recorded_run(work)
    (work / "corp").mkdir()
    (work / "corp" / "input-x.bin").write_bytes(b"x")
    fozzy(work, *args)
    assert stat.S_ISFIFO(os.lstat(work / "pipe").st_mode)
