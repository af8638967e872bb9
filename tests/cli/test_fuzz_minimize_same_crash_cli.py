"""`fuzz --minimize` keeps the same crash: with two bugs in one fn: target, minimizing an
input of the first must not hand back a smaller input that raises the second."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TARGET = '''
def target(data: bytes) -> None:
    if b"Q" in data and b"Z" in data:
        raise ValueError("bug one: Q with Z")
    if b"Q" in data:
        raise KeyError("bug two: Q alone")
'''


def test_minimized_input_still_raises_the_bug_it_was_found_with(tmp_path: Path) -> None:
    (tmp_path / "two_bugs.py").write_text(TARGET)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "seed.bin").write_bytes(b"abcQdefghZijk")
    proc = subprocess.run(
        [sys.executable, "-m", "fozzy", "fuzz", "fn:two_bugs.py:target", "--det", "--runs",
         "200", "--corpus", "c", "--crash-only", "--minimize", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    [crash] = doc["fuzz"]["crashes"]
    assert crash["signature"].startswith("fail|ValueError|")
    assert crash["minimizedBytes"] < crash["inputBytes"]
    [small] = (tmp_path / "c" / "crashes").glob("*.min.bin")
    assert small.read_bytes() in (b"QZ", b"ZQ")
    trace = json.loads(Path(doc["identity"]["tracePath"]).read_text())
    assert bytes.fromhex(trace["fuzz"]["input_hex"]) == small.read_bytes()
    assert [f["message"] for f in trace["summary"]["findings"]] == ["bug one: Q with Z"]
    replayed = subprocess.run(
        [sys.executable, "-m", "fozzy", "replay", doc["identity"]["tracePath"], "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert "bug one: Q with Z" in replayed.stdout, replayed.stdout + replayed.stderr
