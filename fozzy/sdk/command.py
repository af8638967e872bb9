"""How a typed method is written once and becomes a method of both clients.

    @command                              Fozzy().run(...)       -> RunSummary
    def run(scenario, *, det=...)   ──▶   AsyncFozzy().run(...)  -> Coroutine[..., RunSummary]
        -> Call[RunSummary]               (both: client.command(call.argv))

A command is a plain function from the method's arguments to a `Call`: the argument vector
and, as the type parameter, the document the command prints. `@command` turns it into a
descriptor; looked up on a client it becomes a bound method that hands the argv to the
client's own `command`, which is synchronous on `Fozzy` and a coroutine on `AsyncFozzy`. The
overloads of `__get__` tell the type checker which of the two it is, so one definition per
command serves both clients with exact signatures — nothing is repeated for asyncio.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar, overload

P = ParamSpec("P")
T = TypeVar("T")

Opt = str | int | float | bool | Sequence[str] | None


@dataclass(frozen=True)
class Call(Generic[T]):
    """The arguments of one fozzy command; `T` is the document its `--json` output is."""

    argv: list[str]


class SyncRunner:
    """A client whose `command` returns the parsed document (`Fozzy`)."""

    def command(self, args: Sequence[str]) -> Any:
        raise NotImplementedError


class AsyncRunner:
    """A client whose `command` is a coroutine (`AsyncFozzy`)."""

    async def command(self, args: Sequence[str]) -> Any:
        raise NotImplementedError


class Command(Generic[P, T]):
    """A command definition; on a client instance it is that client's bound method."""

    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__
        # What `help()` and `inspect.signature` show on each client: the builder's parameters
        # and the document (or, on AsyncFozzy, a coroutine of it) instead of `Call[...]`.
        sig = inspect.signature(build)
        doc = str(sig.return_annotation).removeprefix("Call[").removesuffix("]")
        self.signatures = {
            SyncRunner: sig.replace(return_annotation=doc),
            AsyncRunner: sig.replace(return_annotation=f"Coroutine[Any, Any, {doc}]"),
        }

    def __repr__(self) -> str:
        return f"<fozzy.sdk command {self.build.__name__}>"

    @overload
    def __get__(self, obj: None, owner: type) -> Command[P, T]: ...
    @overload
    def __get__(
        self, obj: AsyncRunner, owner: type
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    @overload
    def __get__(self, obj: SyncRunner, owner: type) -> Callable[P, T]: ...
    def __get__(self, obj: SyncRunner | AsyncRunner | None, owner: type) -> Any:
        if obj is None:
            return self
        build = self.build

        def method(*args: P.args, **kwargs: P.kwargs) -> Any:
            return obj.command(build(*args, **kwargs).argv)

        functools.update_wrapper(method, build)
        method.__signature__ = self.signatures[  # type: ignore[attr-defined]
            AsyncRunner if isinstance(obj, AsyncRunner) else SyncRunner]
        return method


def command(build: Callable[P, Call[T]]) -> Command[P, T]:
    return Command(build)


def flags(**options: Opt) -> list[str]:
    """`--kebab-case` flags for the given options, in keyword order (a trailing `_`, as in
    `dict_`, is dropped)."""
    out: list[str] = []
    for name, value in options.items():
        flag = "--" + name.rstrip("_").replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            out.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                out += [flag, str(item)]
        else:
            out += [flag, str(value)]
    return out


def toggle(name: str, value: bool | None) -> list[str]:
    """A `--x/--no-x` switch: `None` leaves the CLI's default, `False` passes `--no-x`."""
    if value is None:
        return []
    return ["--" + ("" if value else "no-") + name.replace("_", "-")]


def csv(values: Sequence[str] | None) -> str | None:
    """One comma-separated value, for flags that take a list as a single argument."""
    return None if values is None else ",".join(values)
