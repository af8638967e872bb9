"""Symlink refusal at the unit level: `resolve` follows links and refuses any real path
outside the root, while lexical checks refuse absolute and `..` paths without a disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workers.capabilities.host_fs import HostFsState, check_lexical, resolve
from workers.engine.findings import StepFailed


def state_at(root: Path) -> HostFsState:
    return HostFsState(os.path.realpath(root))


@pytest.mark.parametrize("name", ["dirlink/x.txt", "filelink", "chain/x.txt"])
def test_resolve_refuses_every_link_that_leads_outside(tmp_path: Path, name: str) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "f").write_text("secret")
    (root / "dirlink").symlink_to(outside, target_is_directory=True)
    (root / "filelink").symlink_to(outside / "f")
    (root / "hop").symlink_to(root / "dirlink", target_is_directory=True)
    (root / "chain").symlink_to(root / "hop", target_is_directory=True)
    with pytest.raises(StepFailed) as err:
        resolve(state_at(root), name)
    assert err.value.finding["title"] == "host_fs_path"
    assert "through a symlink" in err.value.finding["message"]


def test_resolve_accepts_links_that_stay_inside(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    st = state_at(tmp_path)
    assert resolve(st, "alias/f.txt") == os.path.join(st.root, "alias/f.txt")


def test_a_sibling_dir_sharing_the_root_prefix_is_outside(tmp_path: Path) -> None:
    root, twin = tmp_path / "root", tmp_path / "root-twin"
    root.mkdir()
    twin.mkdir()
    (root / "link").symlink_to(twin, target_is_directory=True)
    with pytest.raises(StepFailed):
        resolve(state_at(root), "link/x")


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x"])
def test_lexical_refusals(path: str) -> None:
    with pytest.raises(StepFailed) as err:
        check_lexical(path)
    assert err.value.finding["title"] == "host_fs_path"
