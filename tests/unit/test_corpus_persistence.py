"""Corpus persistence at the unit level: what a campaign writes is what the next campaign
starts from (in name order), and the target's built-in seeds only stand in for an empty
directory. Crashes, symlinks and other files are not corpus entries."""

from __future__ import annotations

from pathlib import Path

from fozzy.fuzzing.corpus import content_name, write_input
from fozzy.fuzzing.targets import FuzzRequest, Target, initial_corpus, resolve_target


def target_in(tmp_path: Path) -> Target:
    return resolve_target(FuzzRequest(target="fn:planted.py:parse_header", seed=0))


def test_written_inputs_are_the_next_campaigns_start(tmp_path: Path) -> None:
    target = target_in(tmp_path)
    corpus = tmp_path / "c"
    inputs = [b"FZ\x07\x80", b"FZ\x07", b"\x00" * 9]
    for data in inputs:
        write_input(corpus, data)
    write_input(corpus / "crashes", b"boom", "crash")
    (corpus / "elsewhere.bin").symlink_to(tmp_path / "c" / content_name(b"FZ\x07"))
    (corpus / "notes.txt").write_text("not an input")
    expected = sorted(inputs, key=content_name)
    assert initial_corpus(corpus, target) == expected


def test_an_empty_directory_starts_from_the_targets_seeds(tmp_path: Path) -> None:
    target = target_in(tmp_path)
    assert initial_corpus(tmp_path / "missing", target) == list(target.seeds)
    write_input(tmp_path / "c", b"one")
    assert initial_corpus(tmp_path / "c", target) == [b"one"]
