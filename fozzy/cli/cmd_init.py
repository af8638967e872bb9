"""`init`: create `<base>`, write the config file and the starter scenarios."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from fozzy.cli.context import G
from fozzy.cli.output import emit
from fozzy.errors import ArgumentError, FozzyError, IoError


def _write(path: Path, data: bytes, force: bool) -> str:
    """Write unless the file exists and `force` is off; returns what happened."""
    from fozzy.artifacts.atomic import atomic_write_bytes

    existed = path.exists()
    if existed and not force:
        return "kept"
    if path.is_dir():
        raise IoError(f"cannot write {path}: it is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    except OSError as e:
        raise IoError(f"cannot write {path}: {e.strerror or e}") from None
    return "overwritten" if existed else "created"


def run_init(
    force: bool, template: str, with_: list[str] | None, all_tests: bool
) -> dict[str, Any]:
    from fozzy.scaffold import TEMPLATES, parse_types, scaffold_files

    if template not in TEMPLATES:
        raise ArgumentError(f"--template must be one of {'|'.join(TEMPLATES)}, got {template!r}")
    try:
        types = parse_types(with_, all_tests)
    except ValueError as e:
        raise ArgumentError(str(e)) from None
    cfg = G.config
    base = Path(cfg.base_dir)
    if base.exists() and not force:
        raise FozzyError(f"{cfg.base_dir} already exists (use --force to overwrite)")
    try:
        for sub in ("runs", "corpora"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        Path("tests").mkdir(exist_ok=True)
    except OSError as e:
        raise IoError(f"cannot create {e.filename}: {e.strerror or e}") from None
    files = [
        {"path": G.config_path,
         "action": _write(Path(G.config_path), cfg.to_toml().encode(), force)}
    ]
    for f in scaffold_files(types, cfg.base_dir, template):
        files.append({"path": f.path, "action": _write(Path(f.path), f.content, force)})
    return {"baseDir": cfg.base_dir, "types": list(types), "template": template, "files": files}


def register(app: typer.Typer) -> None:
    @app.command("init", help="Create the artifacts dir, the config file and starter scenarios.")
    def init(
        force: Annotated[
            bool, typer.Option("--force", help="Overwrite the config and starter files.")
        ] = False,
        template: Annotated[
            str, typer.Option("--template", help="minimal|rust|ts (rust/ts add a README.md).")
        ] = "minimal",
        with_: Annotated[
            list[str] | None,
            typer.Option(
                "--with",
                help="Starter types, comma-separated and repeatable: "
                "run,fuzz,explore,memory,host or all (the default).",
            ),
        ] = None,
        all_tests: Annotated[
            bool, typer.Option("--all-tests", help="Same as --with all.")
        ] = False,
    ) -> int:
        result = run_init(force, template, with_, all_tests)
        if G.json:
            emit(result)
        else:
            lines = [f"{f['action']:<11} {f['path']}" for f in result["files"]]
            lines.append("next: fozzy test --det  (see tests/INIT_GUIDE.md)")
            sys.stdout.write("\n".join(lines) + "\n")
        return 0
