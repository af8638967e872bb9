"""The byte limit holds while reading, not only against `st_size`: procfs files report size
0 whatever they hold, and a file can grow between the fstat and the read."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from workers.regular_file import read_regular


def test_a_file_whose_stat_says_empty_is_still_bounded() -> None:
    with pytest.raises(OSError) as e:
        read_regular("/proc/self/status", 16, "scenario_bytes")
    assert e.value.errno == errno.EFBIG
    assert "16-byte limit" in str(e.value)


def test_within_the_limit_it_reads_everything() -> None:
    data = read_regular("/proc/self/status", 1 << 20, "scenario_bytes")
    assert data.startswith(b"Name:") and len(data) > 16


def test_a_regular_file_is_one_read_and_a_grown_one_is_still_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A short read of the fstat size + 1 is the end (no extra read just to see EOF, which
    was a third of a tiny scenario's load time); a file that already holds more than its
    fstat size said is read on to its end."""
    path = tmp_path / "s.json"
    path.write_bytes(b"x" * 1000)
    reads: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        reads.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", counting_read)
    assert read_regular(path, 1 << 20, "scenario_bytes") == b"x" * 1000
    assert reads == [1001]

    real_fstat = os.fstat

    def stale_fstat(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        return os.stat_result((*st[:6], 10, *st[7:]))  # st_size as if only 10 bytes

    monkeypatch.setattr(os, "fstat", stale_fstat)
    reads.clear()
    assert read_regular(path, 1 << 20, "scenario_bytes") == b"x" * 1000
    assert len(reads) >= 2
    with pytest.raises(OSError) as e:
        read_regular(path, 500, "scenario_bytes")
    assert e.value.errno == errno.EFBIG
