"""`report show|query|flaky`: read the summaries runs left behind."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from fozzy.cli import flag_values as v
from fozzy.cli.context import G
from fozzy.cli.output import emit, print_json

FORMATS = ("pretty", "json", "junit", "html")


def register(app: typer.Typer) -> None:
    report = typer.Typer(
        name="report", help="Show, query and compare run reports.", no_args_is_help=True,
        rich_markup_mode=None,
    )

    @report.command("show", help="Render a run's report (pretty, json, junit or html).")
    def show(
        selector: Annotated[str, typer.Argument(metavar="RUN_OR_TRACE")],
        fmt: Annotated[
            str, typer.Option("--format", metavar="pretty|json|junit|html")
        ] = "pretty",
    ) -> int:
        from fozzy.analysis.profile.report_block import selection_profile
        from fozzy.artifacts.junit import junit_xml
        from fozzy.artifacts.render import plain_text, report_html
        from fozzy.artifacts.render_profile import profile_text
        from fozzy.artifacts.selectors import resolve
        from fozzy.errors import ArgumentError

        if fmt not in FORMATS:
            raise ArgumentError(f"--format must be one of {'|'.join(FORMATS)}, got {fmt!r}")
        sel = resolve(selector, G.config.base_dir)
        # A measured run's summary gains its `profile` block (report_block), in every format
        # but junit, which has no place for it.
        profile = None if fmt == "junit" else selection_profile(sel)
        if fmt == "json":
            print_json(sel.summary if profile is None else {**sel.summary, "profile": profile})
            return 0
        if fmt == "pretty":
            content = plain_text(sel.summary)
            if profile is not None:
                content += "\n" + profile_text(profile)
        elif fmt == "junit":
            content = junit_xml(sel.summary)
        else:
            content = report_html(sel.summary, events=sel.events(), profile=profile)
        if G.json:
            print_json({"format": fmt, "content": content})
        else:
            sys.stdout.write(content)
        return 0

    @report.command("query", help="Extract values from a run's report by path.")
    def query(
        selector: Annotated[str, typer.Argument(metavar="RUN_OR_TRACE")],
        path: Annotated[
            str | None, typer.Option("--path", metavar="EXPR", help="e.g. .findings[].title")
        ] = None,
        list_paths: Annotated[
            bool, typer.Option("--list-paths", help="List every queryable path.")
        ] = False,
    ) -> int:
        from fozzy.artifacts import query as q
        from fozzy.artifacts.selectors import resolve
        from fozzy.errors import ArgumentError

        if path is None and not list_paths:
            raise ArgumentError("report query needs --path EXPR or --list-paths")
        if path is not None and list_paths:
            raise ArgumentError("--path and --list-paths cannot be used together")
        summary = resolve(selector, G.config.base_dir).summary
        if path is None:
            emit({"paths": q.list_paths(summary)})
            return 0
        value = q.evaluate(summary, path)
        if G.json or isinstance(value, (dict, list)):
            print_json(value)
        else:
            emit(value)
        return 0

    @report.command("flaky", help="Flake rate across runs of the same thing.")
    def flaky(
        selectors: Annotated[list[str], typer.Argument(metavar="RUN_OR_TRACE...")],
        flake_budget: Annotated[
            str | None,
            typer.Option("--flake-budget", metavar="PCT", help="Fail above this flake rate."),
        ] = None,
    ) -> int:
        from fozzy.artifacts import query as q
        from fozzy.artifacts.selectors import resolve

        budget = v.parse_percent_flag(flake_budget, "--flake-budget", at_most=100)
        base = G.config.base_dir
        result = q.flaky_report([resolve(s, base).summary for s in selectors])
        q.check_budget(result, budget)
        emit(result)
        return 0

    app.add_typer(report)
