"""`fn:<module>:<callable>` targets: a Python callable taking `bytes`, with line-arc coverage
of the target's own source files.

Tracing is limited to the files of the target (its module file, or every file of its
top-level package): the tracer declines every other frame, so the standard library and
fozzy itself are never traced and cost nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import sys
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any


class TargetError(Exception):
    """The target string does not name an importable callable."""


@dataclass
class FnTarget:
    name: str
    func: Callable[[bytes], object]
    files: frozenset[str]
    root: str
    _arc_ids: dict[tuple[str, int, int], int] = field(default_factory=dict)
    traced: dict[str, bool] = field(default_factory=dict)  # co_filename → is a target file
    dictionary: tuple[bytes, ...] = ()

    def arc_id(self, arc: tuple[str, int, int]) -> int:
        """Stable id of an arc (same in every worker): CRC-32 of `relpath:from:to`."""
        cached = self._arc_ids.get(arc)
        if cached is None:
            rel = os.path.relpath(arc[0], self.root)
            cached = zlib.crc32(f"{rel}:{arc[1]}:{arc[2]}".encode())
            self._arc_ids[arc] = cached
        return cached


def _import(module: str, cwd: str) -> Any:
    if module.endswith(".py") or os.sep in module:
        path = os.path.abspath(os.path.join(cwd, module))
        if not os.path.isfile(path):
            raise TargetError(f"fn target module file not found: {module}")
        name = "fozzy_fn_" + str(zlib.crc32(path.encode()))
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise TargetError(f"cannot import fn target module {module}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        return mod
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise TargetError(f"cannot import fn target module {module}: {e}") from None


def load_target(spec: str, cwd: str) -> FnTarget:
    """Resolve `module:callable` (dotted module or a .py path relative to `cwd`)."""
    module, sep, attr = spec.rpartition(":")
    if not sep or not module or not attr:
        raise TargetError(f"fn target must be fn:<module>:<callable>, got fn:{spec}")
    mod = _import(module, cwd)
    obj: Any = mod
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise TargetError(f"fn target {spec}: {module} has no attribute {attr}")
    if not callable(obj):
        raise TargetError(f"fn target {spec} is not callable")
    mod_file = os.path.realpath(getattr(mod, "__file__", "") or "")
    top = sys.modules.get(mod.__name__.split(".")[0])
    top_file = getattr(top, "__file__", None)
    if top is not mod and top_file and os.path.basename(top_file) == "__init__.py":
        root = os.path.dirname(os.path.realpath(top_file))
        files = frozenset(
            os.path.realpath(os.path.join(d, f))
            for d, _, fs in os.walk(root) for f in fs if f.endswith(".py")
        )
    else:
        root = os.path.dirname(mod_file)
        files = frozenset({mod_file})
    return FnTarget(spec, obj, files, root, dictionary=harvest_constants(files))


def _const_bytes(value: object) -> list[bytes]:
    if isinstance(value, bytes):
        return [value] if 0 < len(value) <= 64 else []
    if isinstance(value, str):
        return [value.encode()] if 0 < len(value) <= 64 else []
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 64:
        out = []
        for width in (1, 2, 4, 8):
            if value < 1 << (8 * width):
                out.append(value.to_bytes(width, "little"))
                out.append(value.to_bytes(width, "big"))
        return out
    return []


def harvest_constants(files: frozenset[str]) -> tuple[bytes, ...]:
    """Comparison constants of the target's own code (ints in every width and byte order,
    bytes, strings), the automatic dictionary that lets mutation hit magic values."""
    found: set[bytes] = set()
    for path in sorted(files):
        try:
            with open(path, encoding="utf-8") as fh:
                code = compile(fh.read(), path, "exec")
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        stack = [code]
        while stack:
            c = stack.pop()
            for const in c.co_consts:
                if hasattr(const, "co_consts"):
                    stack.append(const)
                else:
                    found.update(_const_bytes(const))
    return tuple(sorted(found))


@dataclass
class FnOutcome:
    arcs: set[int]
    error: dict[str, Any] | None


class ExecTimeout(BaseException):
    """Raised inside the target by the per-execution alarm (a BaseException, so the target's
    own `except Exception` cannot swallow it)."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise ExecTimeout


def run_fn(
    target: FnTarget, data: bytes, coverage: bool = True, timeout_s: float | None = None
) -> FnOutcome:
    """Call the target once; an exception is the finding, arcs are the coverage. With
    `timeout_s`, a call still running then is interrupted and reported as a hang."""
    arcs: set[tuple[str, int, int]] = set()
    traced = target.traced

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        filename = frame.f_code.co_filename
        wanted = traced.get(filename)
        if wanted is None:
            wanted = traced[filename] = os.path.realpath(filename) in target.files
        if not wanted:
            return None
        prev = 0

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal prev
            if event == "line":
                arcs.add((filename, prev, frame.f_lineno))
                prev = frame.f_lineno
            return local

        return local

    error: dict[str, Any] | None = None
    old = sys.gettrace()
    if timeout_s is not None:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
    if coverage:
        sys.settrace(global_trace)
    try:
        target.func(data)
    except ExecTimeout:
        error = {"kind": "hang", "title": "timeout",
                 "message": f"{target.name} did not return within {int((timeout_s or 0) * 1000)}"
                            " ms", "location": {}}
    except Exception as e:
        error = _describe(e, target.files)
    finally:
        if coverage:
            sys.settrace(old)
        if timeout_s is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return FnOutcome({target.arc_id(a) for a in arcs}, error)


def _describe(e: BaseException, files: frozenset[str]) -> dict[str, Any]:
    frames = traceback.extract_tb(e.__traceback__)
    here = [f for f in frames if os.path.realpath(f.filename) in files] or frames
    location: dict[str, Any] = {}
    if here:
        last = here[-1]
        location = {"file": last.filename, "line": last.lineno}
    return {
        "kind": "panic",
        "title": type(e).__name__,
        "message": str(e) or type(e).__name__,
        "location": location,
    }
