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
from fozzy.sdk.commands import flags


class StoreCommands:
    def command(self, args: Sequence[str]) -> Any:
        raise NotImplementedError

    # corpus
    def corpus_list(self, directory: str) -> CorpusList:
        return self.command(["corpus", "list", directory])  # type: ignore[no-any-return]

    def corpus_add(self, directory: str, file: str) -> Document:
        return self.command(["corpus", "add", directory, file])  # type: ignore[no-any-return]

    def corpus_minimize(
        self, directory: str, *, target: str, jobs: int | None = None
    ) -> Document:
        return self.command(  # type: ignore[no-any-return]
            ["corpus", "minimize", directory, *flags(target=target, jobs=jobs)]
        )

    def corpus_export(self, directory: str, *, out: str) -> Document:
        return self.command(  # type: ignore[no-any-return]
            ["corpus", "export", directory, *flags(out=out)]
        )

    def corpus_import(
        self, archive: str, *, out: str, max_bytes: int | None = None
    ) -> Document:
        return self.command(  # type: ignore[no-any-return]
            ["corpus", "import", archive, *flags(out=out, max_bytes=max_bytes)]
        )

    # artifacts
    def artifacts_ls(self, run_or_trace: str) -> ArtifactsList:
        return self.command(["artifacts", "ls", run_or_trace])  # type: ignore[no-any-return]

    def artifacts_diff(self, left: str, right: str) -> ArtifactsDiff:
        return self.command(["artifacts", "diff", left, right])  # type: ignore[no-any-return]

    def artifacts_export(self, run_or_trace: str, *, out: str, force: bool = False) -> ExportDoc:
        return self.command(  # type: ignore[no-any-return]
            ["artifacts", "export", run_or_trace, *flags(out=out, force=force)]
        )

    def artifacts_pack(self, run_or_trace: str, *, out: str, force: bool = False) -> ExportDoc:
        return self.command(  # type: ignore[no-any-return]
            ["artifacts", "pack", run_or_trace, *flags(out=out, force=force)]
        )

    def artifacts_bundle(
        self, run_or_trace: str, *, out: str, force: bool = False, trust_target: bool = False
    ) -> ExportDoc:
        return self.command(  # type: ignore[no-any-return]
            ["artifacts", "bundle", run_or_trace,
             *flags(out=out, force=force, trust_target=trust_target)]
        )

    # report
    def report_show(
        self, run_or_trace: str, *, format: str | None = None
    ) -> RunSummary | ReportShow:
        """`format="json"` gives the run's summary itself; other formats `{format, content}`."""
        return self.command(  # type: ignore[no-any-return]
            ["report", "show", run_or_trace, *flags(format=format)]
        )

    def report_query(
        self, run_or_trace: str, *, path: str | None = None, list_paths: bool = False
    ) -> Any:
        return self.command(
            ["report", "query", run_or_trace, *flags(path=path, list_paths=list_paths)]
        )

    def report_flaky(
        self, runs: Sequence[str], *, flake_budget: float | None = None
    ) -> FlakyReport:
        return self.command(  # type: ignore[no-any-return]
            ["report", "flaky", *runs, *flags(flake_budget=flake_budget)]
        )

    # memory
    def memory_graph(self, run_or_trace: str, *, out: str | None = None) -> Document:
        return self.command(  # type: ignore[no-any-return]
            ["memory", "graph", run_or_trace, *flags(out=out)]
        )

    def memory_diff(self, left: str, right: str) -> Document:
        return self.command(["memory", "diff", left, right])  # type: ignore[no-any-return]

    def memory_top(self, run_or_trace: str, *, limit: int | None = None) -> Document:
        return self.command(  # type: ignore[no-any-return]
            ["memory", "top", run_or_trace, *flags(limit=limit)]
        )
