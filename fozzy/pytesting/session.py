"""The plugin's session object: one worker pool per pytest process, fed like `fozzy test`.

```
 collection (pytest process)          first steps item's runtest           each later item
 FozzyFile ─ load_batch (in-process:  ─▶ every selected steps item's  ─▶  runtest waits for
 read + validate, never execute)         RunSpec to pool.run at once        its own result
   └─ ScenarioItem / ExploreItem        (batched, depth 2: as fozzy test)   (results stored as
                                                                             they stream back)
```

The pytest process never executes a step: specs are built by `fozzy.modes.test` (`_spec`,
seeds from `scenario_seeds(suite seed, path)`), results are turned into report rows by the
same `_row` (findings, reproduce command), and traces are written by the same writer, so a
scenario's outcome under `pytest --fozzy` is its outcome under `fozzy test`. Limits, deadlines
and crash attribution are the pool's. Under pytest-xdist each xdist worker has its own pool and
cannot know which items it will be given, so it sends each item when pytest runs it; so does a
session under -x / --maxfail, where nothing may run past the failure that stops it. A
distributed scenario's explore search needs the pool to itself: the streamed steps results are
drained first. A pool that gave up (restart budget) fails every fozzy item not yet answered.
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from collections.abc import Generator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fozzy.errors import FozzyError
from fozzy.pytesting.options import PluginOptions, resolve
from workers.input_limits import as_dict

if TYPE_CHECKING:
    from fozzy.executor.pool import WorkerPool
    from fozzy.modes.explore import Outcome
    from fozzy.pytesting.items import ExploreItem, ScenarioItem

Stream = Generator[tuple[int, dict[str, Any]], None, None]

#: Where items find the session (set in `FozzySession.__init__`).
SESSION_KEY = pytest.StashKey["FozzySession"]()


class FozzySession:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.options: PluginOptions = resolve(config)
        self._check_explore_defaults()
        patterns = list(config.getini("fozzy_files"))
        self._names = re.compile("|".join(fnmatch.translate(p) for p in patterns) or "(?!)")
        #: The `[limits]` every collection read is checked against (fozzy.toml's).
        self.input_limits = as_dict()
        self.under_xdist = hasattr(config, "workerinput")
        self.started_ns = time.time_ns()
        self._stack = ExitStack()
        self._pool: WorkerPool | None = None
        self._stream: Stream | None = None
        self._in_flight: list[ScenarioItem] = []
        self._dispatched: set[str] = set()
        self._results: dict[str, dict[str, Any]] = {}
        self._broken: str | None = None
        config.stash[SESSION_KEY] = self

    def _check_explore_defaults(self) -> None:
        from fozzy.modes.explore import ExploreRequest, check_request

        ex = self.options.explore
        try:
            check_request(ExploreRequest(scenario_path="", seed=0, schedule=ex.schedule,
                                         schedules=ex.schedules, steps=ex.steps))
        except FozzyError as e:
            raise pytest.UsageError(f"ini fozzy_explore_*: {e.message}") from None

    # -- hooks ---------------------------------------------------------------------------

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        req = self.options.request
        backends = ", ".join(f"{k}={v}" for k, v in req.backends.items())
        # The xdist controller runs nothing; each xdist worker sizes its own pool.
        pool = ("a pool per xdist worker" if config.pluginmanager.has_plugin("dsession")
                else f"{req.jobs} worker(s)")
        return [f"fozzy: seed {req.seed}, {'det' if req.det else 'non-det'}, {pool},"
                f" backends {backends}"]

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """pytest-xdist controller: every xdist worker derives seeds from the same suite seed."""
        node.workerinput["fozzy_seed"] = self.options.request.seed

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> Any:
        """Scenario files as `fozzy test DIR` selects them (its pruned directories too: a
        build, dist or .fozzy directory holds copies, not the suite); a file named on the
        command line is taken whatever the patterns and its directory."""
        from fozzy.scenario.discover import PRUNED_DIRS, SCENARIO_SUFFIX

        if parent.session.isinitpath(file_path):
            if not (file_path.name.endswith(SCENARIO_SUFFIX) or self._names.match(file_path.name)):
                return None
        elif not self._names.match(file_path.name) or self._pruned(file_path, PRUNED_DIRS):
            return None
        from fozzy.pytesting.items import FozzyFile

        return FozzyFile.from_parent(parent, path=file_path)

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        """pytest's directory walk passes over entries that are not regular files; a scenario
        name among them (a dangling symlink, a FIFO) becomes an item that fails collection
        with fozzy's read error, as `fozzy test` refuses it, instead of vanishing."""
        report = yield
        if isinstance(collector, pytest.Directory) and report.passed:
            assert isinstance(report.result, list)
            report.result.extend(self._unusable_scenarios(collector))
        return report

    def _unusable_scenarios(self, directory: pytest.Directory) -> list[pytest.Collector]:
        from fozzy.pytesting.items import FozzyFile
        from fozzy.scenario.discover import PRUNED_DIRS

        found: list[pytest.Collector] = []
        try:
            with os.scandir(directory.path) as entries:
                odd = [Path(e.path) for e in entries if self._names.match(e.name)
                       and not e.is_file() and not e.is_dir()]
        except OSError:
            return found  # pytest's own walk reports a directory it cannot list
        for path in sorted(odd):
            if not self._pruned(path, PRUNED_DIRS):
                found.append(FozzyFile.from_parent(directory, path=path))
        return found

    def _pruned(self, file_path: Path, pruned: frozenset[str]) -> bool:
        try:
            parts = file_path.parent.relative_to(self.config.rootpath).parts
        except ValueError:
            parts = file_path.parent.parts
        return any(part in pruned for part in parts)

    def pytest_sessionfinish(self) -> None:
        self.close()

    def pytest_unconfigure(self) -> None:
        self.close()

    # -- execution -----------------------------------------------------------------------

    def pool(self) -> WorkerPool:
        if self._pool is None:
            from fozzy.executor.pool import WorkerPool

            self._pool = self._stack.enter_context(WorkerPool(self.options.request.jobs))
        return self._pool

    def result_for(self, item: ScenarioItem) -> dict[str, Any]:
        """The item's RunResult, dispatching it (and, outside xdist, every steps item pytest
        selected that has not been sent yet) when it is not on its way already."""
        ident = item.nodeid
        if ident not in self._dispatched:
            self.drain()
            self._dispatch([item, *self._later_items(item)])
        while ident not in self._results:
            if not self._next_result():
                raise FozzyError("the worker pool ended without answering this item")
        return self._results.pop(ident)

    def _later_items(self, item: ScenarioItem) -> list[ScenarioItem]:
        """What to send along with `item`: nothing under xdist (this process may never be
        given them) or with -x / --maxfail / --stepwise (as `fozzy test --fail-fast`, nothing
        runs past the failure that stops the session)."""
        stops = self.config.getoption("maxfail") or self.config.getoption("stepwise", False)
        if self.under_xdist or stops:
            return []
        from fozzy.pytesting.items import ScenarioItem

        return [i for i in item.session.items
                if isinstance(i, ScenarioItem) and i.nodeid not in self._dispatched
                and i is not item]

    def _dispatch(self, items: list[ScenarioItem]) -> None:
        from fozzy.modes.test import SPEC_OVERHEAD_BYTES, _spec, batch_size_for

        if self._broken is not None:
            raise FozzyError(f"not run: {self._broken}")
        req = self.options.request
        base = {"det": req.det, "timeout_ms": req.timeout_ms, "backends": req.backends,
                "memory": req.memory, "limits": req.limits, "cwd": os.getcwd(), "replay": None}
        specs = [_spec(base, i.entry) for i in items]
        if self.options.record_dir is not None:
            for spec in specs:
                spec["trim"] = False  # a failing item's trace needs its decisions
        pool = self.pool()
        jobs = min(pool.jobs, len(specs))
        item_bytes = SPEC_OVERHEAD_BYTES + sum(len(i.entry.doc or "") for i in items) // len(items)
        self._in_flight = items
        self._dispatched.update(i.nodeid for i in items)
        self._stream = pool.run(specs, batch_size=batch_size_for(len(specs), jobs, item_bytes),
                                depth=2)

    def _next_result(self) -> bool:
        """Store the next result to arrive; False when nothing is streaming any more."""
        from fozzy.executor.pool import PoolError

        if self._broken is not None:
            raise FozzyError(f"not run: {self._broken}")
        if self._stream is None:
            return False
        try:
            index, result = next(self._stream)
        except PoolError as e:
            self._broken = e.render()
            self._stream = None
            raise
        except StopIteration:
            self._stream = None
            return False
        self._results[self._in_flight[index].nodeid] = result
        return True

    def drain(self) -> None:
        """Collect every result still streaming, so the pool is free for another run."""
        try:
            while self._next_result():
                pass
        except FozzyError:
            return

    def explore(self, item: ExploreItem) -> tuple[Outcome, Path | None]:
        """The item's search, and where its violation was recorded (with --fozzy-record)."""
        from fozzy.modes.explore import search

        self.drain()
        if self._broken is not None:
            raise FozzyError(f"not run: {self._broken}")
        out = search(item.request, item.cluster, self.pool())
        if out.violation is None or self.options.record_dir is None:
            return out, None
        from fozzy.modes.suite_traces import slug
        from fozzy.pytesting.explore_record import record_violation
        from fozzy.trace.writer import release_target, resolve_target

        wanted = Path(self.options.record_dir) / f"{slug(item.scenario_path)}.fozzy"
        target = resolve_target(wanted, "append")
        try:
            record_violation(self.pool(), item, out, target, self.started_ns)
        except BaseException:
            release_target(target)
            raise
        return out, target

    def close(self) -> None:
        """Stop whatever is in flight (an early `-x` stop) and the workers."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        self._pool = None
        self._stack.close()

    def row_for(self, item: ScenarioItem, result: dict[str, Any]) -> dict[str, Any]:
        """`fozzy test`'s report row for the item; a failing one's trace written first (with
        --fozzy-record), so that the row's reproduce command replays it. A crash is not
        recorded: its worker died holding the decisions, and a trace that ends at the crash
        cannot be replayed (its reproduce command re-runs it instead)."""
        from fozzy.modes.suite_traces import slug, write_scenario_trace
        from fozzy.modes.test import _row
        from fozzy.trace.writer import resolve_target

        entry, req = item.entry, self.options.request
        recorded = result["status"] not in ("pass", "crash")
        if recorded and self.options.record_dir is not None:
            wanted = Path(self.options.record_dir) / f"{slug(entry.selected.path)}.fozzy"
            entry.record_to = resolve_target(wanted, "append")
            write_scenario_trace(entry, result, self.started_ns, req.backends)
        row = _row(req, entry, result)
        if entry.record_to is not None:
            from fozzy.artifacts.reproduce import replay_command

            row["reproduce"] = replay_command(req.invocation, str(entry.record_to))
        return row
