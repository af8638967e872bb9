"""pprof export: a gzip-compressed `perftools.profiles.Profile` protobuf (profile.proto).

Written with a few lines of protobuf wire encoding rather than the `protobuf` runtime: the
message is small and fixed (varints and length-delimited fields only), and the coordinator
should not pull a ~1.5 MB dependency and its generated code into every install for one export.
Tests decode the output with the real `protobuf` package against profile.proto's descriptor,
and `go tool pprof` reads it where installed.

Frames become Functions (name, and for sampled Python frames their file and line) and one
Location per distinct frame; a Sample lists its locations leaf first, as pprof requires.
"""

from __future__ import annotations

import gzip
import re

from fozzy.analysis.profile import flame
from fozzy.analysis.profile.bundle import Bundle

#: (sample type, unit) per domain; values are integers in that unit.
SAMPLE_TYPES = {"cpu": ("cpu", "nanoseconds"), "heap": ("alloc_space", "bytes"),
                "latency": ("virtual_time", "milliseconds")}
_PY_FRAME = re.compile(r"(?P<name>.*) \((?P<file>.*):(?P<line>\d+)\)\Z")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value) if value else b""


def _bytes(field: int, data: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _packed(field: int, values: list[int]) -> bytes:
    return _bytes(field, b"".join(_varint(v) for v in values)) if values else b""


class _Strings:
    def __init__(self) -> None:
        self.table: list[str] = [""]
        self._index: dict[str, int] = {"": 0}

    def __call__(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.table)
            self.table.append(text)
        return self._index[text]


def encode(b: Bundle, domain: str) -> bytes:
    """The uncompressed Profile message for `domain` of `b`."""
    rows = flame.require(b, domain)
    strings = _Strings()
    kind, unit = SAMPLE_TYPES[domain]
    functions: dict[str, int] = {}
    body = bytearray(_bytes(1, _int(1, strings(kind)) + _int(2, strings(unit))))
    func_msgs: list[bytes] = []
    loc_msgs: list[bytes] = []
    for frames, weight in rows:
        ids = []
        for frame in frames:
            if frame not in functions:
                fid = len(functions) + 1
                functions[frame] = fid
                m = _PY_FRAME.match(frame)
                name, file, line = (m["name"], m["file"], int(m["line"])) if m else (frame, "", 0)
                func_msgs.append(_int(1, fid) + _int(2, strings(name)) + _int(3, strings(name))
                                 + _int(4, strings(file)))
                loc_msgs.append(_int(1, fid) + _bytes(4, _int(1, fid) + _int(2, line)))
            ids.append(functions[frame])
        body += _bytes(2, _packed(1, list(reversed(ids))) + _packed(2, [int(weight)]))
    for msg in loc_msgs:
        body += _bytes(4, msg)
    for msg in func_msgs:
        body += _bytes(5, msg)
    comment = strings(f"fozzy profile of {b.scenario} run {b.run_id} ({domain})")
    for text in strings.table:
        body += _bytes(6, text.encode("utf-8"))
    body += _bytes(11, _int(1, strings.table.index(kind)) + _int(2, strings.table.index(unit)))
    body += _packed(13, [comment])
    return bytes(body)


def export(b: Bundle, domain: str) -> bytes:
    return gzip.compress(encode(b, domain), mtime=0)
