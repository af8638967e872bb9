"""`fn:<module>:<callable>` targets: a Python callable taking `bytes`, with block coverage,
comparison operands and value-profile features of the target's own source files.

Only the files of the target (its module file, or every file of its top-level package) are
instrumented, by rewriting them at import (workers/fuzz/instrument.py); the standard library
and fozzy itself run untouched and cost nothing.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.machinery
import importlib.util
import os
import signal
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

from workers.fuzz.batch import Outcome
from workers.fuzz.instrument import Instrumented, InstrumentingLoader, install
from workers.fuzz.probe import PROBE


class TargetError(Exception):
    """The target string does not name an importable callable."""


@dataclass
class FnTarget:
    name: str
    func: Callable[[bytes], object]
    files: frozenset[str]
    root: str
    dictionary: tuple[bytes, ...] = ()
    #: Whether the target's own code decodes JSON (`json.loads` & co.): its inputs are then
    #: worth mutating as JSON documents even before the corpus holds one.
    reads_json: bool = False


def _target_files(module: str, cwd: str) -> tuple[str, frozenset[str]]:
    """The files to instrument, found before anything is imported: the module file, or
    every file of its top-level package."""
    if module.endswith(".py") or os.sep in module:
        path = os.path.realpath(os.path.join(cwd, module))
        if not os.path.isfile(path):
            raise TargetError(f"fn target module file not found: {module}")
        return os.path.dirname(path), frozenset({path})
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    top = module.split(".")[0]
    spec = importlib.machinery.PathFinder.find_spec(top)
    if spec is None:
        existing = sys.modules.get(top)
        origin = getattr(existing, "__file__", None)
        if origin is None:
            raise TargetError(f"cannot import fn target module {module}: no module named {top!r}")
        locations = [os.path.dirname(origin)] if origin.endswith("__init__.py") else None
    else:
        origin, locations = spec.origin, spec.submodule_search_locations
    if locations:
        root = os.path.realpath(next(iter(locations)))
        files = frozenset(
            os.path.realpath(os.path.join(d, f))
            for d, _, fs in os.walk(root) for f in fs if f.endswith(".py")
        )
        return root, files
    if origin is None or not origin.endswith(".py"):
        # A compiled or built-in module: nothing to instrument, so nothing to cover.
        return os.path.realpath(cwd), frozenset()
    path = os.path.realpath(origin)
    return os.path.dirname(path), frozenset({path})


def _import(module: str, cwd: str, root: str, files: frozenset[str], seen: Instrumented) -> Any:
    install(files, root, seen)
    if module.endswith(".py") or os.sep in module:
        path = os.path.realpath(os.path.join(cwd, module))
        name = "fozzy_fn_" + str(zlib.crc32(path.encode()))
        loader = InstrumentingLoader(name, path, root, seen)
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        if spec is None:
            raise TargetError(f"cannot import fn target module {module}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        try:
            loader.exec_module(mod)
        except SyntaxError as e:
            raise TargetError(f"cannot import fn target module {module}: {e}") from None
        return mod
    try:
        return importlib.import_module(module)
    except (ImportError, SyntaxError) as e:
        raise TargetError(f"cannot import fn target module {module}: {e}") from None


def load_target(spec: str, cwd: str) -> FnTarget:
    """Resolve `module:callable` (dotted module or a .py path relative to `cwd`), importing
    the target's own files instrumented (workers/fuzz/instrument.py)."""
    module, sep, attr = spec.rpartition(":")
    if not sep or not module or not attr:
        raise TargetError(f"fn target must be fn:<module>:<callable>, got fn:{spec}")
    root, files = _target_files(module, cwd)
    seen = Instrumented()
    mod = _import(module, cwd, root, files, seen)
    obj: Any = mod
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise TargetError(f"fn target {spec}: {module} has no attribute {attr}")
    if not callable(obj):
        raise TargetError(f"fn target {spec} is not callable")
    return FnTarget(spec, obj, files, root, dictionary=harvest_constants(files),
                    reads_json=seen.reads_json)


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


class ExecTimeout(BaseException):
    """Raised inside the target by the per-execution alarm (a BaseException, so the target's
    own `except Exception` cannot swallow it)."""


#: Watchdog ticks per exec timeout: a call is interrupted between 1 and 1 + 1/TICKS_PER_TIMEOUT
#: timeouts after it started.
TICKS_PER_TIMEOUT = 4


class _Watch:
    """Which call is running (its serial number; 0 between calls) and how many watchdog ticks
    have found it still running."""

    __slots__ = ("running", "seen", "serial", "ticks")

    def __init__(self) -> None:
        self.running = self.serial = self.seen = self.ticks = 0


_WATCH = _Watch()


def _tick(signum: int, frame: FrameType | None) -> None:
    w = _WATCH
    if w.running == 0:
        return
    if w.running != w.seen:
        w.seen, w.ticks = w.running, 0
        return
    w.ticks += 1
    if w.ticks >= TICKS_PER_TIMEOUT:
        raise ExecTimeout


@contextlib.contextmanager
def exec_alarm(timeout_s: float | None = None) -> Iterator[None]:
    """The watchdog of a batch of `run_fn` calls: with `timeout_s`, a periodic timer (armed
    once a batch) interrupts the call that is still running a timeout after it started.
    Arming and disarming a one-shot alarm around every call cost two syscalls an exec, as much
    as a small target's own work. A timer that was set before (a test runner's own timeout)
    is set again afterwards with the time it had left."""
    previous = signal.signal(signal.SIGALRM, _tick)
    before, started = (0.0, 0.0), time.monotonic()
    if timeout_s is not None:
        tick = timeout_s / TICKS_PER_TIMEOUT
        before = signal.setitimer(signal.ITIMER_REAL, tick, tick)
    try:
        yield
    finally:
        if timeout_s is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _WATCH.running = 0
        if before[0] > 0:
            left = max(before[0] - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, before[1])


def run_fn(
    target: FnTarget,
    data: bytes,
    coverage: bool = True,
    timeout_s: float | None = None,
    value_profile: bool = True,
) -> Outcome:
    """Call the target once; an exception is the finding, the probes' features are the
    coverage (with how close each comparison came, unless `value_profile` is off). Inside
    `exec_alarm(timeout_s)`, a call still running a timeout after it started is interrupted
    and reported as a hang (`timeout_s` is the message's). The batch's own `Outcome` is made
    here, once: a second record per exec to convert cost as much as a small target's work."""
    error: dict[str, Any] | None = None
    w = _WATCH
    w.serial += 1
    PROBE.start()
    try:
        w.running = w.serial
        target.func(data)
    except ExecTimeout:
        error = {"kind": "hang", "title": "timeout",
                 "message": f"{target.name} did not return within {int((timeout_s or 0) * 1000)}"
                            " ms", "location": {}}
    except Exception as e:
        error = _describe(e, target.files)
    finally:
        w.running = 0
    features = PROBE.take_features(value_profile)
    if not coverage:
        features = set()
    if error is None:
        return Outcome(features, "pass", None, "")
    status = "timeout" if error["kind"] == "hang" else "fail"
    loc = error["location"]
    return Outcome(features, status, error,
                   f"{status}|{error['title']}|{loc.get('file')}:{loc.get('line')}")


@functools.lru_cache(maxsize=1024)
def _real(filename: str) -> str:
    """A code object's file name resolved (a crash of a known kind repeats thousands of
    times a batch, and resolving every frame's path each time cost more than the call)."""
    return os.path.realpath(filename)


def _describe(e: BaseException, files: frozenset[str]) -> dict[str, Any]:
    """The exception's title and where it was raised: the innermost frame in the target's
    own files, else the innermost frame. Read off the traceback's frames directly (what
    `traceback.extract_tb` gives, without building its summaries and reading source)."""
    last: tuple[str, int] | None = None
    own: tuple[str, int] | None = None
    tb = e.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        last = (filename, tb.tb_lineno)
        if _real(filename) in files:
            own = last
        tb = tb.tb_next
    here = own or last
    location: dict[str, Any] = {} if here is None else {"file": here[0], "line": here[1]}
    return {
        "kind": "panic",
        "title": type(e).__name__,
        "message": str(e) or type(e).__name__,
        "location": location,
    }
