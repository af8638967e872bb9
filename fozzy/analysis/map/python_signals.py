"""Risk signals of a Python file from its syntax tree, not from substrings.

The reference counts `" if "` and `"thread"` on lower-cased lines, so a docstring that
mentions threads makes a file "concurrent" and an `elif` chain spread over lines is missed.
Here a branch is a decision point of the tree (`if`/`elif`/`else`, loops, `match` cases,
`except` handlers, boolean operators, conditional expressions, comprehension filters), and
concurrency, side effects and memory management are calls that resolve, through the file's
own imports, to the modules that do them. A file that does not parse (Python 2, a syntax
error, nesting too deep for the parser) falls back to the line heuristics; the report says
which analysis each hotspot got.
"""

from __future__ import annotations

import ast

from fozzy.analysis.map.signals import Signals, line_signals

CONCURRENCY_MODULES = frozenset((
    "threading", "_thread", "asyncio", "multiprocessing", "concurrent", "queue", "trio",
    "anyio", "gevent", "eventlet", "selectors",
))
EXTERNAL_MODULES = frozenset((
    "subprocess", "socket", "ssl", "http", "urllib", "urllib3", "requests", "httpx",
    "aiohttp", "websockets", "grpc", "sqlite3", "psycopg", "psycopg2", "asyncpg", "pymysql",
    "mysql", "sqlalchemy", "redis", "kafka", "aiokafka", "pika", "nats", "boto3", "botocore",
    "pymongo", "motor", "ftplib", "smtplib", "shutil", "tempfile",
))
MEMORY_MODULES = frozenset(("gc", "tracemalloc", "mmap", "ctypes", "resource", "weakref"))
#: `os` functions that leave the process: processes, files and directories.
OS_EFFECTS = frozenset((
    "system", "popen", "fork", "kill", "remove", "unlink", "rename", "replace", "makedirs",
    "mkdir", "rmdir", "removedirs", "truncate", "write", "open", "chmod", "chown", "symlink",
    "link",
))
#: Calls that make a file an entry point or a service boundary, by their last name component.
ENTRY_CALLS = frozenset((
    "serve_forever", "start_server", "create_server", "run_app", "listen", "FastAPI",
    "Flask", "Starlette", "Sanic", "Quart", "ArgumentParser", "Typer", "HTTPServer",
    "ThreadingHTTPServer", "TCPServer", "UDPServer",
))
ENTRY_MODULES = frozenset(("uvicorn", "gunicorn", "hypercorn", "waitress"))
#: Route decorators (`@app.get`, `@router.post`, `@bp.route`, …).
ROUTE_DECORATORS = frozenset((
    "route", "get", "post", "put", "patch", "delete", "websocket", "api_route",
))
RETRY_WORDS = ("retry", "backoff", "circuit", "rollback", "timeout")


def python_signals(text: str) -> Signals:
    """Signals from the syntax tree of `text`, or the line heuristics when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return line_signals(text)
    s = Signals(lines=len(text.splitlines()), analysis="ast")
    aliases = _imports(tree)
    for node in ast.walk(tree):
        s.branch += _branches(node)
        s.concurrency += _concurrency(node)
        s.failure += _failures(node)
        if isinstance(node, ast.Call):
            _call(node, aliases, s)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            s.entrypoint += int(node.name == "main") + sum(
                1 for d in node.decorator_list if _route(d)
            )
        elif isinstance(node, ast.If) and _is_main_guard(node.test):
            s.entrypoint += 1
    return s


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name → dotted origin for every import in the file (`sp` → `subprocess`)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _branches(node: ast.AST) -> int:
    if isinstance(node, ast.If):
        has_else = bool(node.orelse) and not (
            len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
        )
        return 1 + int(has_else)
    if isinstance(node, (ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler,
                         ast.match_case)):
        return 1
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    if isinstance(node, ast.comprehension):
        return len(node.ifs)
    return 0


def _concurrency(node: ast.AST) -> int:
    return int(isinstance(node, (ast.AsyncFunctionDef, ast.Await, ast.AsyncFor, ast.AsyncWith)))


def _failures(node: ast.AST) -> int:
    if isinstance(node, (ast.ExceptHandler, ast.Raise)):
        return 1
    if isinstance(node, (ast.Try, ast.TryStar)):
        return int(bool(node.finalbody))
    return 0


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str:
    """`a.b.c` for a name or attribute chain, its root resolved through the imports."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(aliases.get(node.id, node.id))
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func, aliases) + "()")
    else:
        return ""
    return ".".join(reversed(parts))


def _call(node: ast.Call, aliases: dict[str, str], s: Signals) -> None:
    name = _dotted(node.func, aliases)
    parts = name.split(".")
    root, last = parts[0], parts[-1]
    if root in CONCURRENCY_MODULES:
        s.concurrency += 1
    if root in EXTERNAL_MODULES or name == "open" or (root == "os" and last in OS_EFFECTS):
        s.external += 1
    if root in MEMORY_MODULES:
        s.memory += 1
    lowered = last.lower()
    if any(w in lowered for w in RETRY_WORDS) or any(k.arg == "timeout" for k in node.keywords):
        s.failure += 1
    if last in ENTRY_CALLS or root in ENTRY_MODULES:
        s.entrypoint += 1


def _route(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS


def _is_main_guard(test: ast.expr) -> bool:
    """`if __name__ == "__main__":` (either operand order)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides) and any(
        isinstance(x, ast.Constant) and x.value == "__main__" for x in sides
    )
