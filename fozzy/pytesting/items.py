"""Scenario files as pytest collectors and items (pytest's non-Python example layout).

A file is read and validated at collection by `workers.scenario_core.load_batch`, the code
`fozzy test`'s load phase runs on its workers (here in-process: reading is not executing), so a
bad file fails collection with fozzy's one-line error instead of failing later as a test.
Steps scenarios become `ScenarioItem`s, distributed ones `ExploreItem`s. A `suites` file is
declaration-only in fozzy (its content is never inspected), so, as with `fozzy test`, it is a
collection error rather than a source of items.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from fozzy.errors import FozzyError, ScenarioError
from fozzy.pytesting.report import ScenarioFailed, failure_text
from fozzy.pytesting.session import SESSION_KEY, FozzySession

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from fozzy.modes.explore import ExploreRequest
    from fozzy.modes.test import Entry


def display_path(key: str) -> str:
    """The path as `fozzy test` run from the invocation directory shows it (and is given it
    in a reproduce command): relative below the working directory, absolute elsewhere."""
    cwd = os.getcwd()
    return key[len(cwd) + 1 :] if key.startswith(cwd + os.sep) else key


def _one_line(excinfo: ExceptionInfo[BaseException]) -> str | None:
    if isinstance(excinfo.value, ScenarioFailed):
        return excinfo.value.text
    if isinstance(excinfo.value, FozzyError):
        return f"fozzy {excinfo.value.render()}"
    return None


class FozzyFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from fozzy.scenario.discover import Selected, scenario_seeds
        from fozzy.scenario.validate import error_for
        from workers.scenario_core import ScenarioProblem, load_batch

        session = self.config.stash[SESSION_KEY]
        key = os.path.normpath(str(self.path))
        path = display_path(key)
        job = {"paths": [path], "limits": session.input_limits}
        row: dict[str, Any] = load_batch(job)["scenarios"][0]
        if "problem" in row:
            raise error_for(ScenarioProblem.from_dict(row["problem"]))
        name = str(row["name"]) or self.path.name
        seed = scenario_seeds(session.options.request.seed, [key])[0]
        if row["variant"] == "distributed":
            yield ExploreItem.from_parent(self, name=name, request=_explore_request(
                session, path, seed))
            return
        if row["gate"] is not None:
            raise error_for(ScenarioProblem.from_dict(row["gate"]))
        from fozzy.modes.test import Entry

        entry = Entry(Selected(path, key), name, row["doc"], seed)
        yield ScenarioItem.from_parent(self, name=name, entry=entry)

    def repr_failure(  # type: ignore[override]
        self, excinfo: ExceptionInfo[BaseException]
    ) -> str | TerminalRepr:
        return _one_line(excinfo) or super().repr_failure(excinfo)


def _explore_request(session: FozzySession, path: str, seed: int) -> ExploreRequest:
    from fozzy.modes.explore import ExploreRequest

    ex = session.options.explore
    return ExploreRequest(scenario_path=path, seed=seed, schedule=ex.schedule,
                          schedules=ex.schedules, steps=ex.steps, time_ms=ex.time_ms,
                          jobs=session.options.request.jobs,
                          invocation=session.options.request.invocation)


class FozzyItem(pytest.Item):
    """What both item kinds share: markers, failure rendering, report location."""

    scenario_path: str
    seed: int

    def fozzy_session(self) -> FozzySession:
        return self.config.stash[SESSION_KEY]

    def repr_failure(
        self, excinfo: ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        return _one_line(excinfo) or super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        return self.path, None, f"fozzy: {self.scenario_path} ({self.name})"

    def conclude(self, status: str, findings: list[dict[str, Any]], reproduce: str,
                 trace: str | None = None) -> None:
        """Record the outcome for --junitxml, and fail unless it passed."""
        self.user_properties.append(("fozzy_seed", str(self.seed)))
        self.user_properties.append(("fozzy_status", status))
        if status == "pass":
            return
        self.user_properties.append(("fozzy_reproduce", reproduce))
        if trace is not None:
            self.user_properties.append(("fozzy_trace", trace))
        raise ScenarioFailed(status, failure_text(status, self.scenario_path, self.name,
                                                  self.seed, findings, reproduce, trace))


class ScenarioItem(FozzyItem):
    def __init__(self, *, entry: Entry, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry = entry
        self.scenario_path = entry.selected.path
        self.seed = entry.seed
        self.add_marker("fozzy")

    def runtest(self) -> None:
        session = self.fozzy_session()
        result = session.result_for(self)
        if result["status"] == "error":
            raise ScenarioError(f"{self.scenario_path}: {result.get('error') or 'worker error'}")
        row = session.row_for(self, result)
        self.conclude(row["status"], row["findings"], row.get("reproduce", ""),
                      row.get("tracePath"))


class ExploreItem(FozzyItem):
    def __init__(self, *, request: ExploreRequest, **kwargs: Any) -> None:
        from fozzy.modes.explore import effective, load_explorable

        super().__init__(**kwargs)
        self.request = request
        self.scenario_path = request.scenario_path
        self.seed = request.seed
        scn = load_explorable(request.scenario_path)
        self.scenario_header = {"version": scn.version, "name": scn.name}
        self.cluster = effective(request, scn)
        self.add_marker("fozzy")
        self.add_marker("fozzy_explore")

    def runtest(self) -> None:
        from fozzy.artifacts.reproduce import replay_command

        out, trace = self.fozzy_session().explore(self)
        if trace is None:
            self.conclude(out.status, out.findings, self.request.reproduce(out.status))
        else:
            reproduce = replay_command(self.request.invocation, str(trace))
            self.conclude(out.status, out.findings, reproduce, str(trace))
