"""Symlink refusal at the unit level: `Beneath.locate` follows links only while they stay
beneath the root (relative or absolute), refuses any other, and lexical checks refuse
absolute, `..` and NUL paths without a disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workers.capabilities import beneath
from workers.capabilities.beneath import Beneath, Escape
from workers.capabilities.host_fs import check_lexical
from workers.engine.findings import StepFailed


@pytest.fixture(params=[True, False], ids=["openat2", "walk"])
def use_openat2(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def name_of(bn: Beneath, rel: str, **kw: bool) -> tuple[str, str]:
    """The real directory and final name `locate` resolved `rel` to."""
    fd, name = bn.locate(rel, **kw)
    try:
        return os.readlink(f"/proc/self/fd/{fd}"), name
    finally:
        os.close(fd)


@pytest.mark.parametrize("name", ["dirlink/x.txt", "filelink", "chain/x.txt", "rel/x",
                                  "dotdot/x"])
def test_locate_refuses_every_link_that_leads_outside(
    tmp_path: Path, name: str, use_openat2: bool
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "f").write_text("secret")
    (root / "dirlink").symlink_to(outside, target_is_directory=True)
    (root / "filelink").symlink_to(outside / "f")
    (root / "hop").symlink_to(root / "dirlink", target_is_directory=True)
    (root / "chain").symlink_to(root / "hop", target_is_directory=True)
    (root / "rel").symlink_to("../outside", target_is_directory=True)
    (root / "dotdot").symlink_to(f"{root}/../outside", target_is_directory=True)
    bn = Beneath(str(root), use_openat2=use_openat2)
    with pytest.raises(Escape):
        bn.locate(name)
    bn.close()


def test_locate_follows_links_that_stay_inside(tmp_path: Path, use_openat2: bool) -> None:
    real = tmp_path / "real"
    (real / "deep").mkdir(parents=True)
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    (tmp_path / "relalias").symlink_to("real/deep/..", target_is_directory=True)
    (real / "file").write_text("x")
    (tmp_path / "flink").symlink_to("real/file")
    bn = Beneath(str(tmp_path), use_openat2=use_openat2)
    assert name_of(bn, "alias/f.txt") == (str(real), "f.txt")
    assert name_of(bn, "relalias/f.txt") == (str(real), "f.txt")
    assert name_of(bn, "flink") == (str(real), "file")
    assert name_of(bn, "flink", follow=False) == (str(tmp_path), "flink")
    assert name_of(bn, "new/dirs/f", create=True) == (str(tmp_path / "new/dirs"), "f")
    bn.close()


def test_a_sibling_dir_sharing_the_root_prefix_is_outside(
    tmp_path: Path, use_openat2: bool
) -> None:
    root, twin = tmp_path / "root", tmp_path / "root-twin"
    root.mkdir()
    twin.mkdir()
    (root / "link").symlink_to(twin, target_is_directory=True)
    with pytest.raises(Escape):
        Beneath(str(root), use_openat2=use_openat2).locate("link/x")


def test_link_loops_end_in_an_error(tmp_path: Path, use_openat2: bool) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError):
        Beneath(str(tmp_path), use_openat2=use_openat2).locate("a/x")


def test_write_replaces_the_name_and_keeps_the_mode(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("outside")
    (tmp_path / "root").mkdir()
    os.link(outside, tmp_path / "root" / "hard")
    script = tmp_path / "root" / "run.sh"
    script.write_text("old")
    script.chmod(0o750)
    bn = Beneath(str(tmp_path / "root"))
    bn.write("hard", b"inside")
    bn.write("run.sh", b"new")
    assert outside.read_text() == "outside"
    assert (tmp_path / "root" / "hard").read_text() == "inside"
    assert script.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == ["hard", "run.sh"]


def test_a_fifo_is_neither_read_nor_replaced(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    bn = Beneath(str(tmp_path))
    with pytest.raises(OSError, match="not a regular file"):
        bn.read("pipe")
    with pytest.raises(OSError, match="not a regular file"):
        bn.write("pipe", b"x")
    assert (tmp_path / "pipe").is_fifo()


def test_openat2_is_detected_or_cleanly_absent() -> None:
    assert beneath.openat2_available() in (True, False)


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x", "a\0b"])
def test_lexical_refusals(path: str) -> None:
    with pytest.raises(StepFailed) as err:
        check_lexical(path)
    assert err.value.finding["title"] == "host_fs_path"
