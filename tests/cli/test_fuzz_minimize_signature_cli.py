"""`fuzz --minimize` hands back an input with the crash's own signature (exception type and
location), never one that raises a different bug of the same target."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_fuzz_cli import fuzz_json

TWO_BUGS = '''\
def target(data: bytes) -> None:
    if b"A" in data and b"B" in data:
        raise ValueError("needs both")
    if b"B" in data:
        raise KeyError("B alone")
'''


def test_minimize_keeps_the_crash_signature(tmp_path: Path) -> None:
    (tmp_path / "two.py").write_text(TWO_BUGS)
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "input-seed.bin").write_bytes(b"xxAxxxxxxBxx")
    code, doc = fuzz_json(tmp_path, "fn:two.py:target", "--runs", "1", "--minimize",
                          "--corpus", "c", "--crash-only", "--det")
    assert code == 1, doc
    crashes = doc["fuzz"]["crashes"]
    value_errors = [c for c in crashes if "ValueError" in c["signature"]]
    assert value_errors, crashes
    crash = value_errors[0]
    assert crash["minimizedBytes"] == 2  # b"AB": dropping the A would raise KeyError
    minimized = [p.read_bytes() for p in (corpus / "crashes").glob("crash-*.min.bin")]
    assert b"AB" in minimized
    assert all(b"B" not in m or b"A" in m for m in minimized)
    traces = [json.loads(p.read_text()) for p in (corpus / "crashes").glob("*.fozzy")]
    titles = {t["summary"]["findings"][0]["title"] for t in traces}
    assert "ValueError" in titles
