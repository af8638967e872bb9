"""The current-input file: the input a fuzz batch is about to run, which the coordinator
reads if the worker dies or hangs mid-batch (AFL's `.cur_input`): the one input the batch's
result cannot report.

The file is mapped into the worker's memory and holds the input's length (8 bytes, little
endian) and then its bytes. Setting it is a memory copy: the write and the truncate it took
per exec as a file were a fifth of a small target's exec. The pages are the file's page
cache, so what the worker last wrote is in the file even after the worker was killed.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

from workers.input_limits import limits
from workers.regular_file import read_regular

#: Bytes mapped at first; a longer input (mutants stay under `--max-input`, 4096 by
#: default) grows the mapping to its size.
MAP_BYTES = 16 * 1024
_HEADER = 8


class CurrentInput:
    def __init__(self, path: str | None) -> None:
        self._fd: int | None = None
        self._map: mmap.mmap | None = None
        if path is not None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            self._resize(MAP_BYTES)

    @property
    def active(self) -> bool:
        """Whether a file is kept (an item without `cur_input` keeps none)."""
        return self._map is not None

    def _resize(self, size: int) -> None:
        assert self._fd is not None
        if self._map is not None:
            self._map.close()
        os.ftruncate(self._fd, size)
        self._map = mmap.mmap(self._fd, size)

    def set(self, data: bytes) -> None:
        m = self._map
        if m is None:
            return
        end = _HEADER + len(data)
        if end > len(m):
            self._resize(end)
            m = self._map
            assert m is not None
        m[_HEADER:end] = data
        m[:_HEADER] = len(data).to_bytes(_HEADER, "little")

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_current_input(path: str) -> bytes | None:
    """The input last set in the file at `path`; None when there is no such regular file
    within the corpus file bound (a crash input becomes a corpus file), or it is not one a
    batch wrote (too short for its own length)."""
    try:
        raw = read_regular(path, limits().corpus_file_bytes + _HEADER, "corpus_file_bytes")
    except OSError:
        return None
    if len(raw) < _HEADER:
        return None
    size = int.from_bytes(raw[:_HEADER], "little")
    data = raw[_HEADER : _HEADER + size]
    return data if len(data) == size else None


def write_current_input(path: str, data: bytes) -> None:
    """A current-input file holding `data` (one carried back from a remote worker)."""
    Path(path).write_bytes(len(data).to_bytes(_HEADER, "little") + data)
