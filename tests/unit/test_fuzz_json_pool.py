"""The JSON mutators' pool follows the table of recent compares from snapshot to snapshot;
what it offers must be exactly what deriving it afresh from the latest snapshot gives."""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.fuzz import probe
from workers.fuzz.json_pool import TablePool
from workers.fuzz.probe import Probe

BOUND = 1 << 63


def reference(compares: Any, dictionary: Any) -> dict[str, Any]:
    """The pool read straight off one snapshot, pair by pair."""
    keys: list[Any] = []
    values: list[Any] = []
    ints: list[int] = []
    counterparts: dict[Any, list[Any]] = {}
    for a, b in compares:
        if a is not None:
            counterparts.setdefault((type(a), a), []).append(b)
        for side in (a, b):
            if isinstance(side, bytes):
                try:
                    side = side.decode()
                except UnicodeDecodeError:
                    continue
            if isinstance(side, str):
                values.append(side)
                if a is None:
                    keys.append(side)
            elif type(side) is int and -BOUND < side < BOUND:
                values.append(side)
                ints.append(side)
    values += [t.decode() for t in dictionary if t.isascii() and t.decode().isprintable()]
    return {"values": values, "keys": keys or [v for v in values if isinstance(v, str)],
            "ints": ints, "counterparts": counterparts}


def offered(pool: TablePool) -> dict[str, Any]:
    return {"values": [pool.values[i] for i in range(len(pool.values))],
            "keys": list(pool.keys), "ints": list(pool.ints),
            "counterparts": {k: list(v) for k, v in pool.counterparts.items()}}


operands = st.one_of(st.integers(-5, 5), st.integers(BOUND - 2, BOUND + 2),
                     st.sampled_from(["a", "b", "role"]), st.sampled_from([b"x", b"\xff"]))
notes = st.tuples(st.none() | operands, operands)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.tuples(st.lists(notes, max_size=12), st.booleans()), max_size=12),
       size=st.integers(1, 8), dictionary=st.sampled_from([(), (b"KEY", b"\x00bin")]))
def test_a_followed_pool_offers_what_a_fresh_one_does(
    steps: list[tuple[list[Any], bool]], size: int, dictionary: tuple[bytes, ...]
) -> None:
    recorder = Probe()
    with mock.patch.object(probe, "TABLE_SIZE", size):
        recorder.reset_table()
        pool = TablePool(recorder.snapshot(), dictionary)
        for pairs, follow in steps:
            for pair in pairs:
                recorder._note(pair)
            snapshot = recorder.snapshot()
            assert list(snapshot) == list(recorder.table)
            if follow and not pool.advance(snapshot):
                pool = TablePool(snapshot, dictionary)  # evicted past the old snapshot
            if follow:
                assert offered(pool) == reference(snapshot, dictionary)
                assert offered(pool) == offered(TablePool(snapshot, dictionary))


def test_a_snapshot_of_another_table_or_an_older_one_is_not_followed() -> None:
    recorder = Probe()
    recorder.reset_table()
    for n in range(3):
        recorder._note((n, n + 1))
    later = recorder.snapshot()
    pool = TablePool(later, ())
    recorder.reset_table()
    assert not pool.advance(recorder.snapshot())  # reset: fewer pairs than were kept
    assert not pool.advance(((0, 1),))  # a plain tuple says nothing of evictions
    assert pool.compares is later
