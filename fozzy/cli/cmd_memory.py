"""`memory graph|diff|top`: the simulated-memory record of runs made with --mem-track."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from fozzy.cli.context import G
from fozzy.cli.output import emit

if TYPE_CHECKING:
    from fozzy.analysis.memory import MemoryData

Selector = Annotated[str, typer.Argument(metavar="RUN_OR_TRACE")]


def _memory(selector: str) -> MemoryData:
    """Aliases skip runs without memory data, so `latest` means the latest that has some."""
    from fozzy.analysis import memory
    from fozzy.artifacts.selectors import resolve

    return memory.load(resolve(selector, G.config.base_dir, accept=memory.has_memory))


def register(app: typer.Typer) -> None:
    mem = typer.Typer(
        name="memory", help="Inspect simulated memory: graph, diff, top.", no_args_is_help=True,
        rich_markup_mode=None,
    )

    @mem.command("graph", help="Callsite → allocation → free graph of a run.")
    def graph(
        selector: Selector,
        out: Annotated[
            str | None, typer.Option("--out", metavar="PATH", help="Also write it here (JSON).")
        ] = None,
    ) -> int:
        from fozzy.analysis.memory import graph_report
        from fozzy.artifacts.rundir import normalize, write_json
        from fozzy.errors import IoError

        report = graph_report(_memory(selector))
        if out is not None:
            target = normalize(out)
            if target.is_dir():
                raise IoError(f"--out {target} is a directory")
            try:
                write_json(target, report, pretty=True, durable=True)
            except OSError as e:
                raise IoError(f"failed to write {target}: {e.strerror or e}") from None
        emit(report)
        return 0

    @mem.command("diff", help="Leak and peak differences between two runs (right − left).")
    def diff(
        left: Annotated[str, typer.Argument(metavar="LEFT")],
        right: Annotated[str, typer.Argument(metavar="RIGHT")],
    ) -> int:
        from fozzy.analysis.memory import diff_report

        emit(diff_report(_memory(left), _memory(right)))
        return 0

    @mem.command("top", help="Largest leaks and host-process peaks of a run.")
    def top(
        selector: Selector,
        limit: Annotated[int, typer.Option("--limit", metavar="N")] = 10,
    ) -> int:
        from fozzy.analysis.memory import top_report

        emit(top_report(_memory(selector), limit))
        return 0

    app.add_typer(mem)
