"""An explore violation names the invariant it broke by index: replication-bug declares two
`kv_all_equal` invariants (user, cart), same kind and title, and shrink must keep the one
that was violated (fozzy.modes.shrink compares `location.invariant`)."""

from __future__ import annotations

from pathlib import Path

import orjson

from workers.cluster.explore import effective_cluster, explore, prepare, replay, shrink
from workers.cluster.spec import parse_distributed

ROOT = Path(__file__).resolve().parents[2]


def test_violation_names_its_invariant_and_shrinking_keeps_it() -> None:
    doc = orjson.loads((ROOT / "examples" / "explore" / "replication-bug.fozzy.json")
                       .read_bytes())
    prep = prepare(effective_cluster(parse_distributed(doc["distributed"])))
    run, _ = explore(prep, "random", seed=3, schedules=500).violations[0]
    assert run.finding is not None
    assert run.finding["title"] == "kv_all_equal"
    assert run.finding["location"] == {"invariant": 0}
    assert 'key "user"' in run.finding["message"]
    small = replay(prep, shrink(prep, run.choices)).finding
    assert small is not None and small["location"] == {"invariant": 0}
