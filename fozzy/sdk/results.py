"""Turning one finished fozzy call into a result or an exception (the exit-code contract).

Exit 0/1/3/4 are outcomes (pass, fail, timeout, crash): the document on stdout is the result,
so a failing scenario is something the caller inspects, not catches. Exit 2 is a refusal and
any other code (a signal, an unknown status) is one too: both raise CommandError with the
parsed documents.
"""

from __future__ import annotations

import json
from typing import Any

from fozzy.sdk.errors import CommandError, ProtocolError
from fozzy.sdk.process import ExecResult

#: Exit codes whose stdout document is a result rather than an error.
DOMAIN_EXIT_CODES = frozenset({0, 1, 3, 4})


def documents(stdout: str) -> list[Any]:
    """Every JSON document on stdout, in order (strict mode prints a summary, then an error)."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    pos, end = 0, len(stdout)
    while True:
        while pos < end and stdout[pos].isspace():
            pos += 1
        if pos >= end:
            return docs
        doc, pos = decoder.raw_decode(stdout, pos)
        docs.append(doc)


def _error_fields(doc: Any, stderr: str) -> tuple[str, str, str]:
    if isinstance(doc, dict):
        if "ok" in doc and "error" in doc:
            return "error", "invalid", str(doc["error"])
        if "message" in doc:
            return str(doc.get("status", "error")), str(doc.get("code", "error")), str(
                doc["message"]
            )
    lines = [line for line in stderr.splitlines() if line.strip()]
    return "error", "error", lines[-1] if lines else "no error message"


def command_error(result: ExecResult) -> CommandError:
    try:
        docs = documents(result.stdout)
    except ValueError:
        docs = []
    last = docs[-1] if docs else None
    status, code, message = _error_fields(last, result.stderr)
    document = last if isinstance(last, dict) else None
    return CommandError(result.code, status, code, message, document, docs, result.stderr)


def parse_result(result: ExecResult) -> Any:
    """The command's document for a domain exit code; raises CommandError otherwise."""
    if result.code not in DOMAIN_EXIT_CODES:
        raise command_error(result)
    try:
        docs = documents(result.stdout)
    except ValueError as e:
        raise ProtocolError(
            f"fozzy exited {result.code} but stdout is not JSON: {e}", result.stdout, result.stderr
        ) from None
    if len(docs) != 1:
        raise ProtocolError(
            f"fozzy exited {result.code} with {len(docs)} JSON documents, expected one",
            result.stdout,
            result.stderr,
        )
    return docs[0]
