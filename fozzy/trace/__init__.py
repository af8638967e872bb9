"""The `.fozzy` trace: model, checksum, reader, verify and the one writer."""

from fozzy.trace.model import FORMAT, VERSION, build_trace, normalize_path, trace_kind
from fozzy.trace.reader import inspect, read_trace
from fozzy.trace.verify import verify_trace
from fozzy.trace.writer import (
    DEFAULT_POLICY,
    POLICIES,
    release_target,
    resolve_target,
    write_trace,
)

__all__ = [
    "DEFAULT_POLICY",
    "FORMAT",
    "POLICIES",
    "VERSION",
    "build_trace",
    "inspect",
    "normalize_path",
    "read_trace",
    "release_target",
    "resolve_target",
    "trace_kind",
    "verify_trace",
    "write_trace",
]
