"""A parent's JSON shape is walked once and cached as paths; mutants must be exactly those
of walking every freshly decoded parent, whatever the cache held before."""

from __future__ import annotations

import random
from typing import Any
from unittest import mock

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.fuzz import json_mutators
from workers.fuzz.bytes_mutators import MutationContext
from workers.fuzz.json_mutators import _at, _shape, _walk, decode, mutate_json

from .test_fuzz_instrument import JSON_DOCS


def _walked(data: bytes, doc: Any) -> json_mutators.Shape:
    """The uncached shape: a walk of this very document."""
    slots, containers = _walk(doc)
    return [(path, key) for path, _, key in slots], [path for path, _ in containers]


@settings(max_examples=300, deadline=None)
@given(JSON_DOCS)
def test_cached_paths_resolve_to_the_walk_of_a_fresh_decode(doc: Any) -> None:
    data = orjson.dumps(doc)
    _shape(data, decode(data))  # cached from one decode...
    fresh = decode(data)
    slots, containers = _shape(data, fresh)  # ...resolved in another
    walked_slots, walked_containers = _walk(fresh)
    assert [(_at(fresh, p), k) for p, k in slots] == [(c, k) for _, c, k in walked_slots]
    assert all(_at(fresh, p) is c
               for (p, _), (_, c, _) in zip(slots, walked_slots, strict=True))
    assert all(_at(fresh, p) is c
               for p, (_, c) in zip(containers, walked_containers, strict=True))


@settings(max_examples=200, deadline=None)
@given(docs=st.lists(JSON_DOCS, min_size=1, max_size=4), seed=st.integers(0, 2**32))
def test_mutants_equal_those_of_walking_each_parent(docs: list[Any], seed: int) -> None:
    corpus = tuple(orjson.dumps(d) for d in docs)
    ctx = MutationContext(corpus=corpus, dictionary=(b"KEY",),
                          compares=((None, "role"), ("user", "admin"), (0, 1001)))

    def mutants() -> list[bytes]:
        json_mutators.reset_pool()
        rng = random.Random(seed)
        return [mutate_json(p, decode(p), rng, ctx) for _ in range(3) for p in corpus]

    cached = mutants()
    cached_again = mutants()  # every shape now comes from the cache
    with mock.patch.object(json_mutators, "_shape", _walked):
        walked = mutants()
    assert cached == cached_again == walked
