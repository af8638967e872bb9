"""The one way fozzy reads an input file: regular files only, at most a bound of bytes.

A FIFO would block `open` forever and a device like /dev/zero never ends, so the file is
opened with `O_NONBLOCK`, checked with `fstat` on the same descriptor (no check-then-open
gap) and read only up to its limit. Every refusal is an `OSError` whose `strerror` is a
one-line reason, so callers that already report IO errors report these the same way.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: Read size once the size `fstat` reported is exhausted (files that grow, /proc files).
READ_CHUNK = 1 << 16

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def not_regular(mode: int) -> OSError:
    return OSError(errno.EINVAL, f"is {kind_of(mode)}, not a regular file")


def too_large(limit: int, key: str) -> OSError:
    return OSError(
        errno.EFBIG, f"larger than the {limit}-byte limit (`[limits] {key}` in fozzy.toml)"
    )


def read_regular(path: str | Path, limit: int, key: str) -> bytes:
    """The whole content of the regular file `path`, refusing more than `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except ValueError:
        raise OSError(errno.EINVAL, "path contains a NUL byte") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise not_regular(st.st_mode)
        if st.st_size > limit:
            raise too_large(limit, key)
        chunks: list[bytes] = []
        total = 0
        want = st.st_size + 1 if st.st_size else READ_CHUNK
        while True:
            asked = min(want, limit + 1 - total)
            chunk = os.read(fd, asked)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise too_large(limit, key)
            if want == st.st_size + 1 and len(chunk) < asked:
                break  # short of the fstat size + 1: the end, with no read just to see EOF
            want = READ_CHUNK
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def refuse_special_target(path: str | Path) -> None:
    """Raise unless `path` is absent or a regular file: a writer must never replace a FIFO,
    a device or a directory by renaming over it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except ValueError:
        raise OSError(errno.EINVAL, "path contains a NUL byte") from None
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, f"{path} is {kind_of(st.st_mode)}; refusing to replace it")
