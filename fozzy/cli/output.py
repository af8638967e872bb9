"""Everything a command prints goes through here: one JSON document in --json mode, readable
text otherwise, and the one error envelope."""

from __future__ import annotations

import sys
from typing import Any

import orjson

from fozzy.cli.context import G


def dumps_pretty(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def print_json(value: Any) -> None:
    sys.stdout.write(dumps_pretty(value) + "\n")
    sys.stdout.flush()


def _listing(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            out.append(pad + "{}")
        for k in sorted(value):
            v = value[k]
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:")
                _listing(v, indent + 2, out)
            else:
                out.append(f"{pad}{k}: {_scalar(v)}")
    elif isinstance(value, list):
        if not value:
            out.append(pad + "[]")
        for item in value:
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}-")
                _listing(item, indent + 2, out)
            else:
                out.append(f"{pad}- {_scalar(item)}")
    else:
        out.append(pad + _scalar(value))


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (dict, list)):
        return "{}" if isinstance(v, dict) else "[]"
    return str(v)


def emit(value: Any) -> None:
    """A command's result: JSON in --json mode, an indented key/value listing otherwise."""
    if G.json:
        print_json(value)
        return
    lines: list[str] = []
    _listing(value, 0, lines)
    sys.stdout.write("\n".join(lines) + "\n")


def emit_error(message: str, code: str = "error", extra: dict[str, Any] | None = None) -> None:
    """The one error envelope: stdout JSON in --json mode, `error <msg>` on stderr otherwise."""
    if G.json:
        doc: dict[str, Any] = {"status": "error", "code": code, "message": message}
        if extra:
            doc.update(extra)
        print_json(doc)
        return
    prefix = "error" if G.no_color or not sys.stderr.isatty() else "\x1b[31merror\x1b[0m"
    sys.stderr.write(f"{prefix} {message}\n")
