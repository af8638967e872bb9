"""Size limits on hostile input, shared by the coordinator and the workers.

Every limit is checked before the work it bounds (reading, expanding, extracting), so a
breach is a one-line error within a second instead of gigabytes of memory. The defaults are
generous for real suites; `fozzy.toml` can change any of them under `[limits]`. The
coordinator calls `configure` once with the config's values and ships them to workers with
each job that reads files (`as_dict` / `configure(**item["limits"])`).
"""

from __future__ import annotations

from typing import NamedTuple

MIB = 1024 * 1024


class InputLimits(NamedTuple):
    #: Largest scenario file read (`*.fozzy.json`, suites included).
    scenario_bytes: int = 16 * MIB
    #: Largest trace file read (`*.fozzy`, including its memory member).
    trace_bytes: int = 256 * MIB
    #: Largest other JSON or TOML input: fozzy.toml, fault files, run-dir metadata.
    json_bytes: int = 16 * MIB
    #: Most steps in one scenario, nested steps counted.
    steps: int = 100_000
    #: Largest `node_count` of a distributed scenario.
    node_count: int = 1024
    #: Longest scenario glob pattern, in characters.
    glob_chars: int = 4096
    #: Most patterns one glob expands to through `{a,b}` alternatives.
    glob_patterns: int = 1024
    #: Most files a scenario selection (globs and directories together) may match.
    glob_matches: int = 100_000
    #: Most entries in a corpus zip or directory to import.
    corpus_entries: int = 100_000
    #: Largest total uncompressed size of a corpus import.
    corpus_bytes: int = 256 * MIB
    #: Deepest entry path (in components) inside a corpus zip.
    corpus_depth: int = 16
    #: Largest single corpus input file read.
    corpus_file_bytes: int = 64 * MIB
    #: Largest source file `fozzy map` scores (bigger ones are listed as skipped).
    source_bytes: int = 4 * MIB
    #: Most candidate source and scenario files one `fozzy map` scan may visit.
    map_files: int = 100_000


LIMIT_KEYS = InputLimits._fields
#: Upper bound for every configured limit: keeps arithmetic on them in 64-bit range.
LIMIT_MAX = (1 << 62) - 1

_current = InputLimits()


def limits() -> InputLimits:
    return _current


def configure(**values: int) -> None:
    """Replace the limits of this process (the coordinator from config; a worker per job)."""
    global _current
    _current = InputLimits()._replace(**values)


def as_dict() -> dict[str, int]:
    return _current._asdict()


class LimitExceeded(ValueError):
    """An input over a limit; the message names the limit and its `[limits]` key."""

    def __init__(self, what: str, limit: int, key: str) -> None:
        super().__init__(f"{what} exceeds the limit of {limit} (`[limits] {key}` in fozzy.toml)")
        self.key = key
