"""bfs explores in breadth order: schedules come out in nondecreasing depth and the first
violation reported is one of the shallowest. The cluster below has a violation at depth 3
(deliver before the null check) and deeper ones on the script-first path, which is the path
a depth-first walk takes first."""

from __future__ import annotations

from workers.cluster.checkers import check_final
from workers.cluster.explore import Prepared, effective_cluster, explore, prepare
from workers.cluster.model import Cluster
from workers.cluster.schedule import enumerate_schedules
from workers.cluster.spec import parse_distributed, validate_distributed
from workers.engine.findings import Finding

DIST = {"nodes": ["n0", "n1"], "steps": [
    {"type": "client_put", "node": "n0", "key": "k", "value": "a"},
    {"type": "client_get_assert", "node": "n1", "key": "k", "is_null": True},
    {"type": "client_put", "node": "n1", "key": "k", "value": "b"},
    {"type": "client_get_assert", "node": "n0", "key": "k", "equals": "b"},
]}


def prepared() -> Prepared:
    spec = parse_distributed(DIST)
    validate_distributed(spec)
    return prepare(effective_cluster(spec))


def leaves(prep: Prepared, order: str, prune: bool) -> list[tuple[int, bool]]:
    """(depth, violated) of every schedule, in the order the enumeration visits them."""
    out: list[tuple[int, bool]] = []

    def leaf(choices: list[int], c: Cluster, failed: Finding | None) -> bool:
        violated = (failed or check_final(c, prep.invariants)) is not None
        out.append((len(choices), violated))
        return False

    assert enumerate_schedules(prep.fresh(), order, None, prune, {}, leaf, lambda: False)
    return out


def shallowest_violation(prep: Prepared) -> int:
    return min(d for d, bad in leaves(prep, "dfs", prune=False) if bad)


def test_bfs_visits_schedules_in_nondecreasing_depth() -> None:
    prep = prepared()
    for prune in (True, False):
        depths = [d for d, _ in leaves(prep, "bfs", prune)]
        assert depths == sorted(depths)
        assert len(set(depths)) > 1  # the cluster really has schedules of different depths


def test_bfs_reports_a_violation_at_the_smallest_depth_that_has_one() -> None:
    prep = prepared()
    smallest = shallowest_violation(prep)
    deepest = max(d for d, bad in leaves(prep, "dfs", prune=False) if bad)
    assert smallest < deepest
    for prune in (True, False):
        [(run, _)] = explore(prep, "bfs", prune=prune).violations
        assert len(run.choices) == smallest
    many = explore(prep, "bfs", prune=False, max_violations=100).violations
    found = [len(r.choices) for r, _ in many]
    assert found == sorted(found) and found[0] == smallest


def test_dfs_takes_the_script_first_path_so_the_cluster_tells_the_orders_apart() -> None:
    [(run, _)] = explore(prepared(), "dfs").violations
    assert len(run.choices) > shallowest_violation(prepared())
