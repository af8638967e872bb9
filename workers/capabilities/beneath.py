"""Resolving host fs paths beneath a root directory fd, with no check-then-open gap.

A path checked as a string and then opened by name can be redirected in between (a directory
swapped for a symlink, `renameat2(RENAME_EXCHANGE)`), so nothing here opens a path by name
from `/`. Every lookup starts at a directory fd of the root taken once per run:

- Linux ≥ 5.6: `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` opens the parent directory
  in one call and the kernel refuses any step that would leave the root.
- Otherwise (or when that lookup fails for a reason the walk explains better, or seccomp
  hides the syscall): a walk one component at a time, each opened `O_NOFOLLOW | O_DIRECTORY`
  relative to the previous directory's fd. A symlink met on the way is read with
  `readlinkat` and its target spliced into the remaining components; `..` pops the walk's own
  stack of directory fds and may never pop the root; an absolute target is followed only
  when it names a place under the root's real path, and is then walked from the root fd again.

Both paths give the same answer: symlinks that stay beneath the root work, any other is
`Escape`. The final component is then used relative to its parent's fd (`*at` calls), and a
write makes a new file in that directory and renames it over the name, so it never goes
through an existing inode (a hard link to a file outside the root keeps its content).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
from typing import Any

#: openat2(2) syscall number (the same on x86_64 and aarch64); None elsewhere.
_SYS_OPENAT2 = 437 if os.uname().machine in ("x86_64", "aarch64", "arm64") else None
_RESOLVE_NO_MAGICLINKS = 0x02
_RESOLVE_BENEATH = 0x08
#: Symlinks followed in one lookup before it is refused, as the kernel's own limit.
MAX_LINK_HOPS = 40
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
#: Errors after which openat2 is taken to be missing or filtered (seccomp), for this process.
_UNAVAILABLE = (errno.ENOSYS, errno.EPERM, errno.EINVAL, errno.E2BIG)

_openat2_usable: list[bool] = [_SYS_OPENAT2 is not None and hasattr(os, "O_PATH")]


class Escape(Exception):
    """The path leads outside the root (through a symlink, or `..` above it)."""


@functools.cache
def _libc_and_open_how() -> tuple[Any, Any]:
    """libc and the `struct open_how` type, built on first use: `ctypes` takes ~2 ms to
    import, on the start-up of every worker, and only host-fs steps need it."""
    import ctypes

    class OpenHow(ctypes.Structure):
        _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                    ("resolve", ctypes.c_uint64)]

    return ctypes.CDLL(None, use_errno=True), OpenHow


def _openat2(dirfd: int, path: str, flags: int) -> int:
    """The raw syscall; raises OSError with the kernel's errno."""
    import ctypes

    libc, open_how = _libc_and_open_how()
    how = open_how(flags, 0, _RESOLVE_BENEATH | _RESOLVE_NO_MAGICLINKS)
    fd = int(libc.syscall(_SYS_OPENAT2, dirfd, os.fsencode(path), ctypes.byref(how),
                          ctypes.sizeof(how)))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), path)
    return fd


def openat2_available() -> bool:
    return _openat2_usable[0]


def split(rel: str) -> list[str]:
    return [p for p in rel.split("/") if p not in ("", ".")]


class Beneath:
    """A directory fd of the root and the lookups relative to it. Close it when the run ends."""

    def __init__(self, root: str, *, use_openat2: bool = True) -> None:
        self.real = os.path.realpath(root)
        self.fd = os.open(self.real, _DIR_FLAGS)
        self.use_openat2 = use_openat2

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    # -- lookup ----------------------------------------------------------------------------
    def locate(self, rel: str, *, create: bool = False, follow: bool = True) -> tuple[int, str]:
        """`(parent dir fd, final name)` for `rel`; the caller closes the fd. With `create`,
        missing parent directories are made; with `follow`, a final symlink is resolved too
        (so the name returned is not a symlink, unless one is swapped in afterwards — which
        the `*at` call on it then does not follow)."""
        parts = split(rel)
        if not parts:
            raise IsADirectoryError(errno.EISDIR, "is the root directory", rel)
        fast = None if ".." in parts else self._fast_parent(parts)
        if fast is not None:
            if not follow or not self._is_link(fast, parts[-1]):
                return fast, parts[-1]
            os.close(fast)
        return self._walk(parts, create, follow)

    def _fast_parent(self, parts: list[str]) -> int | None:
        if not (self.use_openat2 and _openat2_usable[0]):
            return None
        if len(parts) == 1:
            return os.dup(self.fd)
        try:
            return _openat2(self.fd, "/".join(parts[:-1]), _DIR_FLAGS)
        except OSError as e:
            if e.errno in _UNAVAILABLE:
                _openat2_usable[0] = False
            return None  # the walk creates, follows absolute links or says what is wrong

    @staticmethod
    def _is_link(dirfd: int, name: str) -> bool:
        try:
            return stat.S_ISLNK(os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_mode)
        except FileNotFoundError:
            return False

    def _walk(self, parts: list[str], create: bool, follow: bool) -> tuple[int, str]:
        stack = [os.dup(self.fd)]
        pending = list(parts)
        hops = 0
        try:
            while True:
                name = pending.pop(0)
                if name == "..":
                    if len(stack) == 1:
                        raise Escape("`..` above the root")
                    os.close(stack.pop())
                    if not pending:
                        raise IsADirectoryError(errno.EISDIR, "is a directory", "/".join(parts))
                    continue
                if not pending:
                    if follow and self._is_link(stack[-1], name):
                        hops = self._hop(stack, pending, name, hops)
                        continue
                    return stack.pop(), name
                fd = self._open_dir(stack[-1], name, create)
                if fd is None:
                    hops = self._hop(stack, pending, name, hops)
                    continue
                stack.append(fd)
        finally:
            for fd in stack:
                os.close(fd)

    @staticmethod
    def _open_dir(dirfd: int, name: str, create: bool) -> int | None:
        """The directory `name` under `dirfd`, None when it is a symlink."""
        for _ in range(MAX_LINK_HOPS):
            try:
                return os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=dirfd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o777, dir_fd=dirfd)
            except OSError as e:
                if e.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                try:
                    is_link = stat.S_ISLNK(
                        os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_mode)
                except FileNotFoundError:
                    continue  # swapped away meanwhile: look again
                if is_link:
                    return None
                raise
        raise OSError(errno.ELOOP, "directory keeps changing", name)

    def _hop(self, stack: list[int], pending: list[str], name: str, hops: int) -> int:
        """Splice the target of symlink `name` (in the directory on top of `stack`) into
        `pending`; an absolute target restarts from the root fd."""
        hops += 1
        if hops > MAX_LINK_HOPS:
            raise OSError(errno.ELOOP, "too many levels of symbolic links", name)
        try:
            target = os.readlink(name, dir_fd=stack[-1])
        except OSError as e:
            if e.errno == errno.EINVAL:  # no longer a link: look at it again
                pending.insert(0, name)
                return hops
            raise
        if target.startswith("/"):
            target = self._under_root(target)
            while len(stack) > 1:
                os.close(stack.pop())
        pending[:0] = split(target)
        if not pending:
            raise IsADirectoryError(errno.EISDIR, "is a directory", name)
        return hops

    def _under_root(self, target: str) -> str:
        """An absolute link target as a path relative to the root. Its `..` components are
        left for the walk (which refuses any above the root), never collapsed as text."""
        if target.rstrip("/") == self.real:
            return ""
        prefix = self.real.rstrip("/") + "/"
        if not target.startswith(prefix):
            raise Escape(f"symlink to {target} outside the root")
        return target[len(prefix):]

    # -- operations ------------------------------------------------------------------------
    def lexists(self, rel: str) -> bool:
        try:
            parent, name = self.locate(rel, follow=False)
        except (FileNotFoundError, NotADirectoryError):
            return False
        try:
            os.stat(name, dir_fd=parent, follow_symlinks=False)
            return True
        except FileNotFoundError:
            return False
        finally:
            os.close(parent)

    def read(self, rel: str, limit: int | None = None) -> bytes:
        """The content of a regular file (never a FIFO or device: opened non-blocking and
        refused by type before any read); more than `limit` bytes is EFBIG."""
        parent, name = self.locate(rel)
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                         dir_fd=parent)
        finally:
            os.close(parent)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", rel)
            if limit is not None and st.st_size > limit:
                raise OSError(errno.EFBIG, f"larger than {limit} bytes", rel)
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def write(self, rel: str, data: bytes) -> None:
        parent, name = self.locate(rel, create=True)
        write_in(parent, name, data)

    def unlink(self, rel: str) -> None:
        parent, name = self.locate(rel, follow=False)
        try:
            os.unlink(name, dir_fd=parent)
        finally:
            os.close(parent)


def write_in(parent: int, name: str, data: bytes) -> None:
    """Write a new file in directory `parent` and rename it over `name` (mode kept when it
    held a regular file), then close `parent`. The old inode and its other links are left as
    they were; a name that is not a regular file (directory, FIFO, device) is refused."""
    try:
        mode = None
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "is a directory", name)
            if not stat.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", name)
            mode = stat.S_IMODE(st.st_mode)
        except FileNotFoundError:
            pass
        tmp = f".fozzy-{os.getpid()}-{os.urandom(6).hex()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o666, dir_fd=parent)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                if mode is not None:
                    os.fchmod(fd, mode)
            finally:
                os.close(fd)
            os.rename(tmp, name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=parent)
            raise
    finally:
        os.close(parent)

