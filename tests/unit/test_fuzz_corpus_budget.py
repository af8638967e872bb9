"""The campaign corpus keeps an input only when it adds a feature, never the same content
twice, at most `max_corpus` entries; `--time` counts from the command's start; a real
system's answers are a bounded number of features."""

from __future__ import annotations

import subprocess
import sys
import time

from fozzy.cli.context import MAX_LAUNCH_AGE_S
from fozzy.fuzzing.campaign import TAIL_RESERVE_SECONDS, CampaignState, time_deadline
from workers.fuzz.features import ANSWER_BUCKETS, _answer


def batch(*entries: tuple[bytes, list[int]]) -> dict[str, object]:
    return {"execs": 10, "rejected": 2, "crashes": [],
            "new": [{"input": data.hex(), "features": feats} for data, feats in entries]}


def test_an_entry_is_kept_only_for_a_new_feature_and_only_once() -> None:
    state = CampaignState(corpus=[])
    added, _ = state.merge(batch((b"a", [1]), (b"b", [1]), (b"a", [2])))
    assert added == [b"a"] and state.corpus == [b"a"]
    assert state.seen == {1, 2}  # reached, though the same content cannot be kept twice
    assert state.execs == 10 and state.rejected == 2 and state.new_entries == 1


def test_a_full_corpus_grows_no_further_but_counts_what_was_reached() -> None:
    state = CampaignState(corpus=[], max_corpus=2)
    state.merge(batch((b"a", [1]), (b"b", [2]), (b"c", [3])))
    assert state.corpus == [b"a", b"b"] and state.room == 0
    assert state.seen == {1, 2, 3}


def test_a_stored_corpus_larger_than_the_bound_is_kept_whole() -> None:
    state = CampaignState(corpus=[], max_corpus=1)
    assert state.keep(b"x", bounded=False) and state.keep(b"y", bounded=False)
    assert not state.keep(b"x", bounded=False)
    assert state.corpus == [b"x", b"y"] and not state.keep(b"z")


def test_the_time_budget_counts_from_the_start_and_keeps_the_tail() -> None:
    assert time_deadline(100.0, None) is None
    assert time_deadline(100.0, 2000) == 102.0 - TAIL_RESERVE_SECONDS
    before = time.monotonic()
    got = time_deadline(None, 1000)
    assert got is not None and before + 1 - TAIL_RESERVE_SECONDS <= got


def _answers(*lines: str) -> set[str]:
    texts: list[str] = []
    for line in lines:
        _answer(texts, "stdout", line)
    return set(texts)


def test_an_echo_cannot_make_every_answer_a_new_feature() -> None:
    """Bounded across lengths too: an echo of mutated args of every length once kept 32
    features per length class (181 corpus entries in 3 s)."""
    lines = [f"echo {'x' * (i % 200)}{i:06d}" for i in range(5000)]
    assert len(_answers(*lines)) <= ANSWER_BUCKETS + 9
    assert _answers("stored v2") != _answers("stored v2 uncompressed")


def test_the_budget_of_a_console_run_includes_the_interpreter_start_up() -> None:
    """launched_at() is the process's own start: a process that spent 0.3 s before asking
    sees at least that much of its budget gone."""
    code = ("import time; time.sleep(0.3); from fozzy.cli.context import launched_at;"
            " print(time.monotonic() - launched_at())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert 0.3 <= float(out.stdout) < MAX_LAUNCH_AGE_S
