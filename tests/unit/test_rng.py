"""The run RNG: the remembered per-seed prefix never changes the stream (the RNG contract)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from workers.engine import rng as rng_mod
from workers.engine.rng import PREFIX_DRAWS, Rng


def stream(seed: int, n: int) -> list[int]:
    r = random.Random(seed)
    return [r.getrandbits(64) for _ in range(n)]


def draws(seed: int, n: int) -> list[int]:
    r = Rng(seed)
    return [r.u64() for _ in range(n)]


@given(st.integers(0, 2**64 - 1), st.lists(st.integers(0, PREFIX_DRAWS * 2), max_size=5))
def test_every_run_of_a_seed_draws_the_mersenne_twister_stream(
    seed: int, lengths: list[int]
) -> None:
    for n in lengths:  # later runs of the seed start from what earlier ones remembered
        assert draws(seed, n) == stream(seed, n)


def test_interleaved_runs_of_one_seed_agree() -> None:
    n = PREFIX_DRAWS + 10
    a, b = Rng(77), Rng(77)
    got_a, got_b = [], []
    for _ in range(n):
        got_a.append(a.u64())
        got_b.extend([b.u64(), b.u64()] if len(got_b) < n else [])
    assert got_a == stream(77, n) == got_b[:n]


def test_checkpoint_restore_before_and_after_the_prefix() -> None:
    expected = stream(5, PREFIX_DRAWS + 20)
    for at in (0, 3, PREFIX_DRAWS - 1, PREFIX_DRAWS, PREFIX_DRAWS + 5):
        for ahead in (1, 4, PREFIX_DRAWS + 3):
            r = Rng(5)
            for _ in range(at):
                r.u64()
            saved = r.checkpoint()
            for _ in range(ahead):
                r.u64()
            r.restore(saved)
            assert [r.u64() for _ in range(10)] == expected[at:at + 10]


def test_a_live_rng_outlives_forgetting_its_seed() -> None:
    r = Rng(9)
    first = [r.u64() for _ in range(3)]
    for seed in range(rng_mod.PREFIX_SEEDS + 1):  # fills the table, which starts over
        Rng(10_000 + seed).u64()
    assert 9 not in rng_mod._PREFIXES
    assert first + [r.u64() for _ in range(PREFIX_DRAWS)] == stream(9, PREFIX_DRAWS + 3)
    assert draws(9, 4) == stream(9, 4)
