"""Fuzzing dictionaries in the AFL/libFuzzer format, so existing token files work as they are.

Each non-blank, non-comment line is `name="value"` or `"value"`; inside the quotes `\\xNN`,
`\\\\` and `\\"` are escapes. Tokens are what black-box targets (a real service reached over
host HTTP, a real program) cannot show a fuzzer any other way: magic values, keywords.
"""

from __future__ import annotations

import re

from fozzy.errors import FozzyError

_LINE = re.compile(r'^(?:[A-Za-z0-9_.\-]+\s*=\s*)?"(.*)"$')


def _unescape(text: str, where: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt in ("\\", '"'):
            out += nxt.encode()
            i += 2
        elif nxt == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[i + 2 : i + 4]):
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
        else:
            raise FozzyError(f"{where}: bad escape in dictionary value")
    return bytes(out)


def load_dictionary(path: str) -> list[bytes]:
    from workers.input_limits import limits
    from workers.regular_file import read_regular

    try:
        lines = read_regular(path, limits().json_bytes, "json_bytes").decode("utf-8").splitlines()
    except OSError as e:
        raise FozzyError(f"cannot read dictionary {path}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise FozzyError(f"cannot read dictionary {path}: {e}") from None
    tokens: list[bytes] = []
    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            raise FozzyError(f"{path}:{n}: expected name=\"value\" or \"value\"")
        token = _unescape(m.group(1), f"{path}:{n}")
        if not token:
            raise FozzyError(f"{path}:{n}: empty dictionary value")
        tokens.append(token)
    if not tokens:
        raise FozzyError(f"dictionary {path} has no entries")
    return tokens
