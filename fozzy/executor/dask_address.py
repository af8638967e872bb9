"""`--dask ADDRESS`: what an address means, checked before anything is imported or started."""

from __future__ import annotations

from dataclasses import dataclass

from fozzy.errors import ArgumentError

#: Workers `--dask local` starts when no count is given.
DEFAULT_LOCAL_WORKERS = 2
#: Most workers `--dask local:N` may start on this machine.
MAX_LOCAL_WORKERS = 256
#: URL schemes of the Dask comm protocols a scheduler address may use.
SCHEMES = ("tcp", "tls", "ucx", "inproc", "ws", "wss")


@dataclass(frozen=True)
class DaskTarget:
    """A scheduler to connect to (`address`), or a LocalCluster of `local_workers`."""

    address: str | None
    local_workers: int


def parse_address(text: str) -> DaskTarget:
    value = text.strip()
    if value == "local":
        return DaskTarget(None, DEFAULT_LOCAL_WORKERS)
    if value.startswith("local:"):
        count = value[len("local:"):]
        if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
            raise ArgumentError(
                f"--dask {text!r}: local:N needs a worker count from 1 to {MAX_LOCAL_WORKERS}")
        return DaskTarget(None, int(count))
    scheme, sep, rest = value.partition("://")
    host, colon, port = rest.rpartition(":")
    if not sep or scheme not in SCHEMES or not host or not colon or not port.isdigit() \
            or not 0 < int(port) < 65536:
        raise ArgumentError(
            f"--dask {text!r}: expected a scheduler address like tcp://host:8786, or local /"
            " local:N")
    return DaskTarget(value, 0)
