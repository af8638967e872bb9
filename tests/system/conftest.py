"""Shared fixtures of the system tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.system.dask_cluster import Cluster, gone


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    pytest.importorskip("distributed",
                        reason="distributed is not installed (pip install 'fozzy[dask]')")
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield c
    finally:
        procs = c.tree()
        c.stop()
        assert gone(procs) == []
