"""`artifacts ls|diff|export|pack|bundle`: what a run left behind, and carrying it elsewhere."""

from __future__ import annotations

from typing import Annotated

import typer

from fozzy.cli import common as c
from fozzy.cli import flag_values as v
from fozzy.cli.context import G
from fozzy.cli.output import emit

Selector = Annotated[
    str, typer.Argument(metavar="RUN_OR_TRACE", help="Run id, latest|last-pass|last-fail, "
                        "run directory or .fozzy trace path.")
]
Out = Annotated[
    str, typer.Option("--out", metavar="PATH", help="A .zip file, or a directory.")
]
Force = Annotated[
    bool,
    typer.Option("--force", help="Write into a non-empty directory or replace an existing zip "
                 "(files fozzy did not write are never deleted)."),
]


def register(app: typer.Typer) -> None:
    artifacts = typer.Typer(
        name="artifacts", help="List, compare and export run artifacts.", no_args_is_help=True,
        rich_markup_mode=None,
    )

    @artifacts.command("ls", help="List a run's verified artifact files.")
    def ls(selector: Selector) -> int:
        from fozzy.artifacts.selectors import resolve

        sel = resolve(selector, G.config.base_dir)
        emit({"type": "list", "entries": [f.entry() for f in sel.files]})
        return 0

    @artifacts.command("diff", help="Compare two runs' files, reports and traces.")
    def diff(
        left: Annotated[str, typer.Argument(metavar="LEFT")],
        right: Annotated[str, typer.Argument(metavar="RIGHT")],
    ) -> int:
        from fozzy.artifacts.query import diff_runs
        from fozzy.artifacts.selectors import resolve

        base = G.config.base_dir
        emit({"type": "diff", "diff": diff_runs(resolve(left, base), resolve(right, base))})
        return 0

    @artifacts.command("export", help="Copy a run's verified files to a zip or directory.")
    def export(selector: Selector, out: Out, force: Force = False) -> int:
        from fozzy.artifacts.export import entries, write_output
        from fozzy.artifacts.selectors import resolve

        items = entries(resolve(selector, G.config.base_dir))
        target = write_output(out, items, force=force)
        emit({"type": "exported", "out": str(target), "files": [i.name for i in items]})
        return 0

    @artifacts.command(
        "pack", help="Export plus env/version/command line: a zip a colleague can replay."
    )
    def pack(selector: Selector, out: Out, force: Force = False) -> int:
        from fozzy.artifacts.export import entries, write_output
        from fozzy.artifacts.listing import ArtifactError
        from fozzy.artifacts.selectors import resolve
        from fozzy.cli.cmd_info import env_info, version_info

        sel = resolve(selector, G.config.base_dir)
        if sel.trace_path is None:
            raise ArtifactError(
                f'"{selector}" has no trace to replay (record one with --record);'
                " use `fozzy artifacts export` for its other files"
            )
        items = entries(sel, {
            "env.json": env_info(),
            "version.json": version_info(),
            "commandline.json": {"command": "fozzy artifacts pack", "target": selector},
        })
        target = write_output(out, items, force=force)
        emit({"type": "exported", "out": str(target), "files": [i.name for i in items]})
        return 0

    @artifacts.command(
        "bundle", help="Gate hand-off: trace, report, manifest, env, and fresh verify/replay/ci"
        " reports."
    )
    def bundle(selector: Selector, out: Out, force: Force = False,
               trust_target: c.TrustTarget = False) -> int:
        from fozzy.artifacts.export import bundle_documents, entries, write_output
        from fozzy.artifacts.selectors import resolve
        from fozzy.cli.cmd_info import env_info, version_info

        base = G.config.base_dir
        limits = v.host_limits(G.config)
        narrowed, reports = bundle_documents(resolve(selector, base), selector, base, limits,
                                             trust_target)
        items = entries(narrowed, {"env.json": env_info(), "version.json": version_info(),
                                   **reports})
        target = write_output(out, items, force=force)
        emit({"type": "exported", "out": str(target), "files": [i.name for i in items],
              "ciOk": reports["bundle.json"]["ciOk"]})
        return 0

    app.add_typer(artifacts)
