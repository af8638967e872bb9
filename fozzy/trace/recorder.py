"""Recording a run's trace: the finalizer's `TraceWriter` for `run` (and `test`).

An explicit `--record PATH` is resolved (collision policy applied, name locked) when the
recorder is created, that is before the run starts, so a collision costs nothing. Without
`--record`, a run that did not pass records into its fresh run directory. Use the recorder as
a context manager: a reservation the run never got to write is released on the way out.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from fozzy.trace.model import build_trace
from fozzy.trace.writer import DEFAULT_POLICY, release_target, resolve_target, write_trace

if TYPE_CHECKING:
    from fozzy.executor.finalize import Execution

RUN_DIR_TRACE = "trace.fozzy"


class Recorder:
    def __init__(
        self,
        record: str | None,
        policy: str = DEFAULT_POLICY,
        backends: dict[str, str] | None = None,
    ) -> None:
        self.policy = policy
        self.backends = backends
        self._explicit = record is not None
        self._target: Path | None = None if record is None else resolve_target(record, policy)
        self._written = False

    @property
    def requested(self) -> bool:
        return self._explicit

    def target(self, run_dir: Path, status: str) -> Path | None:
        if self._target is not None:
            return self._target
        if status == "pass":
            return None
        # The run directory does not exist yet (finalize creates it, and refuses an existing
        # one), so this name cannot collide: it is reserved when written.
        return run_dir / RUN_DIR_TRACE

    def write(self, path: Path, summary: dict[str, Any], execution: Execution) -> None:
        if self._target is None:
            self._target = resolve_target(path, "error")
        doc = build_trace(
            mode=execution.mode,
            scenario_path=execution.scenario_path,
            scenario=execution.scenario,
            decisions=execution.decisions,
            events=execution.events,
            summary=summary,
            memory=execution.memory_report,
            backends=self.backends,
            measurements=execution.measurements,
        )
        write_trace(path, doc)
        self._written = True

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._target is not None and not self._written:
            release_target(self._target)
