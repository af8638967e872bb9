"""The byte limit holds while reading, not only against `st_size`: procfs files report size
0 whatever they hold, and a file can grow between the fstat and the read."""

from __future__ import annotations

import errno

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
