"""Typed methods for the commands that read or move stored results: corpus, artifacts,
report and memory. Split from `commands` only to keep each module readable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fozzy.documents import (
    ArtifactsDiff,
    ArtifactsList,
    CorpusList,
    Document,
    ExportDoc,
    FlakyReport,
    ReportShow,
    RunSummary,
)
from fozzy.sdk.command import Call, command, flags


class StoreCommands:
    # corpus
    @command
    def corpus_list(directory: str) -> Call[CorpusList]:
        return Call(["corpus", "list", directory])

    @command
    def corpus_add(directory: str, file: str) -> Call[Document]:
        return Call(["corpus", "add", directory, file])

    @command
    def corpus_minimize(directory: str, *, target: str, jobs: int | None = None
                        ) -> Call[Document]:
        return Call(["corpus", "minimize", directory, *flags(target=target, jobs=jobs)])

    @command
    def corpus_export(directory: str, *, out: str) -> Call[Document]:
        return Call(["corpus", "export", directory, *flags(out=out)])

    @command
    def corpus_import(archive: str, *, out: str, max_bytes: int | None = None
                      ) -> Call[Document]:
        return Call(["corpus", "import", archive, *flags(out=out, max_bytes=max_bytes)])

    # artifacts
    @command
    def artifacts_ls(run_or_trace: str) -> Call[ArtifactsList]:
        return Call(["artifacts", "ls", run_or_trace])

    @command
    def artifacts_diff(left: str, right: str) -> Call[ArtifactsDiff]:
        return Call(["artifacts", "diff", left, right])

    @command
    def artifacts_export(run_or_trace: str, *, out: str, force: bool = False
                         ) -> Call[ExportDoc]:
        return Call(["artifacts", "export", run_or_trace, *flags(out=out, force=force)])

    @command
    def artifacts_pack(run_or_trace: str, *, out: str, force: bool = False) -> Call[ExportDoc]:
        return Call(["artifacts", "pack", run_or_trace, *flags(out=out, force=force)])

    @command
    def artifacts_bundle(
        run_or_trace: str, *, out: str, force: bool = False, trust_target: bool = False
    ) -> Call[ExportDoc]:
        return Call(["artifacts", "bundle", run_or_trace,
                     *flags(out=out, force=force, trust_target=trust_target)])

    # report
    @command
    def report_show(run_or_trace: str, *, format: str | None = None
                    ) -> Call[RunSummary | ReportShow]:
        """`format="json"` gives the run's summary itself; other formats `{format, content}`."""
        return Call(["report", "show", run_or_trace, *flags(format=format)])

    @command
    def report_query(run_or_trace: str, *, path: str | None = None, list_paths: bool = False
                     ) -> Call[Any]:
        return Call(["report", "query", run_or_trace, *flags(path=path, list_paths=list_paths)])

    @command
    def report_flaky(runs: Sequence[str], *, flake_budget: float | None = None
                     ) -> Call[FlakyReport]:
        return Call(["report", "flaky", *runs, *flags(flake_budget=flake_budget)])

    # memory
    @command
    def memory_graph(run_or_trace: str, *, out: str | None = None) -> Call[Document]:
        return Call(["memory", "graph", run_or_trace, *flags(out=out)])

    @command
    def memory_diff(left: str, right: str) -> Call[Document]:
        return Call(["memory", "diff", left, right])

    @command
    def memory_top(run_or_trace: str, *, limit: int | None = None) -> Call[Document]:
        return Call(["memory", "top", run_or_trace, *flags(limit=limit)])
