"""`corpus list|add|minimize|export|import`: manage fuzz corpus directories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

corpus_app = typer.Typer(help="Manage fuzz corpus directories.", no_args_is_help=True)

Dir = Annotated[str, typer.Argument(help="Corpus directory.")]


@corpus_app.command("list", help="Inputs directly in DIR (crashes/ excluded), sorted.")
def list_(directory: Dir) -> int:
    from fozzy.cli.output import emit
    from fozzy.fuzzing.corpus import list_inputs

    emit({"dir": str(Path(directory).resolve()),
          "inputs": [{"path": str(p.resolve()), "sizeBytes": p.stat().st_size}
                     for p in list_inputs(Path(directory))]})
    return 0


@corpus_app.command("add", help="Add FILE to DIR under its content-addressed name.")
def add(directory: Dir, file: Annotated[str, typer.Argument(help="Input file.")]) -> int:
    from fozzy.cli.output import emit
    from fozzy.fuzzing.corpus import add_file

    emit({"added": str(add_file(Path(directory), Path(file)).resolve())})
    return 0


@corpus_app.command("minimize", help="Keep the smallest subset with the same coverage.")
def minimize(
    directory: Dir,
    target: Annotated[str, typer.Option("--target", help="The fuzz target the corpus is for.")],
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", metavar="N")] = None,
) -> int:
    from fozzy.cli.context import G
    from fozzy.cli.output import emit
    from fozzy.executor.cpus import usable_cpus
    from fozzy.executor.jobs import capped_jobs
    from fozzy.modes.corpus import minimize_corpus

    jobs = capped_jobs(jobs or usable_cpus())
    done = minimize_corpus(Path(directory), target, jobs, G.config.base_dir)
    emit({
        "ok": True, "dir": str(Path(directory).resolve()), "filesBefore": done.before,
        "filesAfter": done.after, "bytesBefore": done.bytes_before,
        "bytesAfter": done.bytes_after, "features": done.features,
        "removed": [p.name for p in done.removed],
    })
    return 0


@corpus_app.command("export", help="Zip every regular file below DIR (atomic).")
def export(
    directory: Dir, out: Annotated[str, typer.Option("--out", help="Zip file to write.")]
) -> int:
    from fozzy.cli.output import emit
    from fozzy.fuzzing.archive import export_dir
    from fozzy.fuzzing.corpus import check_dir

    check_dir(Path(directory))
    emit({"ok": True, "zip": str(export_dir(Path(directory), Path(out)).resolve())})
    return 0


@corpus_app.command("import", help="Extract a corpus zip into DIR, refusing unsafe entries.")
def import_(
    archive: Annotated[str, typer.Argument(help="Zip file.")],
    out: Annotated[str, typer.Option("--out", help="Corpus directory to fill.")],
    max_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-bytes",
            help="Refuse archives expanding beyond this (default: [limits] corpus_bytes).",
        ),
    ] = None,
) -> int:
    from fozzy.cli.output import emit
    from fozzy.fuzzing.archive import import_zip

    written = import_zip(Path(archive), Path(out), max_total_bytes=max_bytes)
    emit({"ok": True, "dir": str(Path(out).resolve()), "files": len(written)})
    return 0


def register(app: typer.Typer) -> None:
    app.add_typer(corpus_app, name="corpus")
