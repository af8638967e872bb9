"""Corpus directories and the hardened zip import/export."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from fozzy.fuzzing.archive import ArchiveError, export_dir, import_zip, safe_entry_path
from fozzy.fuzzing.corpus import content_name, list_inputs, load_inputs, write_input


def test_content_addressed_inputs_sorted(tmp_path: Path) -> None:
    a = write_input(tmp_path, b"b-input")
    b = write_input(tmp_path, b"a-input")
    assert write_input(tmp_path, b"b-input") == a
    assert a.name == content_name(b"b-input")
    (tmp_path / "crashes").mkdir()
    (tmp_path / "crashes" / "crash-x.bin").write_bytes(b"c")
    assert list_inputs(tmp_path) == sorted([a, b])
    assert sorted(load_inputs(tmp_path)) == [b"a-input", b"b-input"]


def test_export_import_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_input(src, b"one")
    write_input(src / "crashes", b"two", "crash")
    (src / "link.bin").symlink_to(src / content_name(b"one"))
    out = export_dir(src, tmp_path / "c.zip")
    names = zipfile.ZipFile(out).namelist()
    assert "link.bin" not in names and len(names) == 2
    dest = tmp_path / "dest"
    written = import_zip(out, dest)
    assert sorted(p.read_bytes() for p in written) == [b"one", b"two"]
    with pytest.raises(ArchiveError, match="refusing to overwrite"):
        import_zip(out, dest)


@pytest.mark.parametrize(
    "name",
    ["../evil.bin", "a/../../evil", "/etc/passwd", "C:evil", "a\\b", "nul.txt", "COM1",
     "dir./x", "a /x", "x:y", "./", "", "//host/share"],
)
def test_unsafe_names_rejected(name: str) -> None:
    with pytest.raises(ArchiveError):
        safe_entry_path(name)


def test_safe_names_normalized() -> None:
    assert str(safe_entry_path("./a//b/c.bin")) == "a/b/c.bin"


def _zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../escape.bin", "/abs.bin", "a/../../x"])
def test_import_refuses_traversal_and_writes_nothing(tmp_path: Path, name: str) -> None:
    z = _zip(tmp_path / "bad.zip", [("ok.bin", b"fine"), (name, b"evil")])
    dest = tmp_path / "dest"
    with pytest.raises(ArchiveError, match="unsafe archive entry"):
        import_zip(z, dest)
    assert not (dest / "ok.bin").exists()
    assert not (tmp_path / "escape.bin").exists()


def test_import_refuses_symlink_entries(tmp_path: Path) -> None:
    z = tmp_path / "link.zip"
    with zipfile.ZipFile(z, "w") as zf:
        info = zipfile.ZipInfo("link.bin")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(ArchiveError, match="symlink"):
        import_zip(z, tmp_path / "dest")


def test_import_refuses_duplicates_and_case_collisions(tmp_path: Path) -> None:
    z = _zip(tmp_path / "dup.zip", [("a.bin", b"1"), ("A.BIN", b"2")])
    with pytest.raises(ArchiveError, match="duplicate"):
        import_zip(z, tmp_path / "dest")


def test_import_refuses_writing_through_symlinked_dir(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (dest / "sub").symlink_to(outside)
    z = _zip(tmp_path / "s.zip", [("sub/x.bin", b"1")])
    with pytest.raises(ArchiveError, match="symlink"):
        import_zip(z, dest)
    assert not (outside / "x.bin").exists()


def test_import_refuses_zip_bomb(tmp_path: Path) -> None:
    z = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("bomb.bin", "w", force_zip64=True) as fh,
    ):
        chunk = b"\0" * (1 << 20)
        for _ in range(1024):  # 1 GiB of zeros, ~1 MB compressed
            fh.write(chunk)
    with pytest.raises(ArchiveError, match="refused"):
        import_zip(z, tmp_path / "dest")
    assert not (tmp_path / "dest" / "bomb.bin").exists()


def test_import_bounds_real_size_not_declared(tmp_path: Path) -> None:
    z = _zip(tmp_path / "big.zip", [("a.bin", b"x" * 5000), ("b.bin", b"y" * 5000)])
    with pytest.raises(ArchiveError, match="beyond"):
        import_zip(z, tmp_path / "dest", max_total_bytes=6000)
    assert not (tmp_path / "dest" / "a.bin").exists()


def test_import_rejects_non_zip(tmp_path: Path) -> None:
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ArchiveError, match="cannot read zip"):
        import_zip(bad, tmp_path / "dest")
