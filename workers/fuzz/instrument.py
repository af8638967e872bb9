"""Rewrite the `fn:` target's own modules at import so that they report coverage and
comparisons to `workers.fuzz.probe.PROBE` (what atheris does to bytecode, done on the AST as
pytest does for assertions).

Only the target's files are rewritten (its module, or every file of its top-level package);
the standard library, site-packages and fozzy run untouched. The rewrite keeps behaviour: a
comparison `L op R` becomes `__fz_cmp__(site, op, L, R)` — operands evaluated once, left
first, the original operator applied, its result returned — and block probes are plain dict
stores placed after a docstring, so `__doc__` and line numbers (tracebacks, finding
locations) stay as written. Chained comparisons and `is` are left alone. Rewritten code is
never written to `__pycache__`, and a cached `.pyc` is never used for a target file.
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import sys
import zlib
from collections.abc import Sequence
from types import ModuleType

from workers.fuzz.probe import EQ, GE, GT, IN, LE, LT, NE, NOT_IN, PROBE

_OP_CODES: dict[type[ast.cmpop], int] = {
    ast.Eq: EQ, ast.NotEq: NE, ast.Lt: LT, ast.LtE: LE, ast.Gt: GT, ast.GtE: GE,
    ast.In: IN, ast.NotIn: NOT_IN,
}
_AFFIX = frozenset(("startswith", "endswith"))
#: String methods whose first argument is a separator or needle the input should contain.
_NEEDLE = frozenset(("partition", "rpartition", "split", "rsplit", "find", "rfind", "index",
                     "rindex", "count", "removeprefix", "removesuffix"))
_JSON_MODULES = frozenset(("json", "orjson", "ujson", "simplejson", "rapidjson"))
_BRANCHING = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.Match)
#: The global every rewritten module gets, so that an already imported copy is recognised.
MARKER = "__fz_b__"


class _Rewriter(ast.NodeTransformer):
    def __init__(self, relpath: str) -> None:
        self.relpath = relpath
        self.reads_json = False

    def _site(self, node: ast.AST, kind: str) -> int:
        line, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
        return zlib.crc32(f"{self.relpath}:{line}:{col}:{kind}".encode())

    def _call(self, name: str, node: ast.AST, args: Sequence[ast.expr]) -> ast.Call:
        call = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])
        return ast.copy_location(call, node)

    def _probe(self, anchor: ast.stmt, kind: str) -> ast.stmt:
        target = ast.Subscript(value=ast.Name(id=MARKER, ctx=ast.Load()),
                               slice=ast.Constant(self._site(anchor, kind)), ctx=ast.Store())
        store = ast.Assign(targets=[target], value=ast.Constant(None))
        return ast.copy_location(store, anchor)

    def _body(self, body: list[ast.stmt], kind: str, docstring: bool = False) -> list[ast.stmt]:
        """A probe where the list starts, and one where control joins after each branching
        statement (the code after an `if` that did not return is a block of its own)."""
        if not body:
            return body
        head = 1 if docstring and _is_docstring(body[0]) else 0
        out = [*body[:head], self._probe(body[min(head, len(body) - 1)], kind)]
        for i, stmt in enumerate(body[head:], start=head):
            out.append(stmt)
            if isinstance(stmt, _BRANCHING) and i + 1 < len(body):
                out.append(self._probe(body[i + 1], "join"))
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.body = self._body(node.body, "def", docstring=True)
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.body = self._body(node.body, "def", docstring=True)
        return node

    def _branches(self, node: ast.If | ast.For | ast.AsyncFor | ast.While) -> ast.AST:
        self.generic_visit(node)
        node.body = self._body(node.body, "then")
        node.orelse = self._body(node.orelse, "else")
        return node

    visit_If = visit_For = visit_AsyncFor = visit_While = _branches

    def visit_Try(self, node: ast.Try) -> ast.AST:
        self.generic_visit(node)
        node.body = self._body(node.body, "try")
        node.orelse = self._body(node.orelse, "else")
        for handler in node.handlers:
            handler.body = self._body(handler.body, "except")
        return node

    def visit_match_case(self, node: ast.match_case) -> ast.AST:
        self.generic_visit(node)
        node.body = self._body(node.body, "case")
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) != 1 or type(node.ops[0]) not in _OP_CODES:
            return node
        op = _OP_CODES[type(node.ops[0])]
        args = [ast.Constant(self._site(node, "cmp")), ast.Constant(op), node.left,
                node.comparators[0]]
        return self._call("__fz_cmp__", node, args)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if not isinstance(func, ast.Attribute) or node.keywords:
            return node
        if isinstance(func.value, ast.Name) and func.value.id in _JSON_MODULES and (
            func.attr == "loads"
        ):
            self.reads_json = True
        if any(isinstance(a, ast.Starred) for a in node.args):
            return node
        site = ast.Constant(self._site(node, func.attr))
        if func.attr in _AFFIX and len(node.args) == 1:
            return self._call("__fz_affix__", node,
                              [site, func.value, ast.Constant(func.attr), node.args[0]])
        if func.attr in _NEEDLE and node.args:
            return self._call("__fz_needle__", node,
                              [site, func.value, ast.Constant(func.attr), *node.args])
        if func.attr == "get" and len(node.args) in (1, 2):
            return self._call("__fz_get__", node, [site, func.value, *node.args])
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        if node.module in _JSON_MODULES and any(a.name == "loads" for a in node.names):
            self.reads_json = True
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        key = node.slice
        if isinstance(node.ctx, ast.Load) and isinstance(key, ast.Constant) and (
            isinstance(key.value, str | bytes)
        ):
            return self._call("__fz_item__", node,
                              [ast.Constant(self._site(node, "item")), node.value, key])
        return node


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and (
        isinstance(stmt.value.value, str)
    )


class Instrumented:
    """What rewriting the target's files found out about them."""

    def __init__(self) -> None:
        self.reads_json = False


def rewrite(source: bytes, path: str, root: str, seen: Instrumented) -> object:
    """The code object of `source` with probes; `seen` learns whether it parses JSON."""
    tree = ast.parse(source, filename=path)
    rewriter = _Rewriter(os.path.relpath(path, root))
    tree = ast.fix_missing_locations(rewriter.visit(tree))
    seen.reads_json |= rewriter.reads_json
    return compile(tree, path, "exec", dont_inherit=True)


class InstrumentingLoader(importlib.machinery.SourceFileLoader):
    """Loads a target file rewritten, from source every time (never a `.pyc`)."""

    def __init__(self, fullname: str, path: str, root: str, seen: Instrumented) -> None:
        super().__init__(fullname, path)
        self.root = root
        self.seen = seen

    def get_code(self, fullname: str) -> object:  # type: ignore[override]
        path = self.get_filename(fullname)
        return rewrite(self.get_data(path), path, self.root, self.seen)

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__.update(PROBE.globals())
        super().exec_module(module)


class TargetFinder:
    """Routes imports of the target's files (and only those) through InstrumentingLoader. A
    meta path finder by protocol: the `importlib.abc` base would import `importlib.resources`
    (~1.5 ms of every fuzz worker's start) for a class that adds nothing used here."""

    def __init__(self, files: frozenset[str], root: str, seen: Instrumented) -> None:
        self.files = files
        self.root = root
        self.seen = seen

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or os.path.realpath(spec.origin) not in self.files:
            return None
        spec.loader = InstrumentingLoader(fullname, spec.origin, self.root, self.seen)
        return spec


def _resolved(file: str, dirs: dict[str, str]) -> str:
    """`os.path.realpath(file)`, with each directory resolved once: resolving every loaded
    module's path component by component cost ~6 ms of a worker's start (a few hundred
    `lstat`s), while loaded modules share a few dozen directories. Only the file itself, if
    it is a link, is resolved on its own."""
    directory, base = os.path.split(os.path.abspath(file))
    real = dirs.get(directory)
    if real is None:
        real = dirs[directory] = os.path.realpath(directory)
    path = os.path.join(real, base)
    return os.path.realpath(path) if os.path.islink(path) else path


def install(files: frozenset[str], root: str, seen: Instrumented) -> None:
    """Instrument future imports of `files`; forget copies imported without probes (a
    module the coordinator or an earlier import loaded plain would report no coverage)."""
    dirs: dict[str, str] = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and MARKER not in module.__dict__ and _resolved(file, dirs) in files:
            del sys.modules[name]
    if not any(isinstance(f, TargetFinder) and f.files == files for f in sys.meta_path):
        sys.meta_path.insert(0, TargetFinder(files, root, seen))
