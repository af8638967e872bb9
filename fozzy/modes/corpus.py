"""`fozzy corpus minimize`: keep the smallest subset of a corpus with the same coverage.

Every entry runs once on the worker pool (no mutation); then, as afl-cmin does, each feature
keeps the smallest entry that covers it, and the union of those entries is the new corpus.
Entries dropped are this corpus's own `*.bin` inputs; nothing else in the directory is touched.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fozzy.errors import FozzyError
from fozzy.executor.seam import make_executor
from fozzy.fuzzing.corpus import check_dir, list_inputs


@dataclass
class Minimized:
    before: int
    after: int
    bytes_before: int
    bytes_after: int
    features: int
    removed: list[Path]


def keep_set(sizes: list[int], features: list[set[int]]) -> set[int]:
    """Indexes to keep: for each feature the smallest (then first) entry covering it."""
    best: dict[int, int] = {}
    for i, feats in enumerate(features):
        for f in feats:
            j = best.get(f)
            if j is None or (sizes[i], i) < (sizes[j], j):
                best[f] = i
    return set(best.values())


def minimize_corpus(directory: Path, target_text: str, jobs: int, base_dir: str) -> Minimized:
    from fozzy.fuzzing.evaluate import evaluate
    from fozzy.fuzzing.targets import (
        FuzzRequest,
        check_scenario_input,
        exec_timeout_ms,
        resolve_target,
    )

    check_dir(directory)
    files = list_inputs(directory)
    if not files:
        raise FozzyError(f"corpus directory {directory} has no *.bin inputs")
    target = resolve_target(FuzzRequest(target=target_text, seed=0, base_dir=base_dir))
    data = [_read(p) for p in files]
    runnable = data
    if target.is_scenario:  # run in parsed form, as a campaign does
        runnable = [check_scenario_input(d, p) for p, d in zip(files, data, strict=True)]
    scratch = Path(tempfile.mkdtemp(prefix="fozzy-cmin-"))
    try:
        with make_executor(max(1, min(jobs, len(data)))) as pool:
            # Coverage proper: how close comparisons came is a campaign's guide, not a
            # reason to keep a file in the corpus.
            outcomes = evaluate(pool, target, runnable, pool.jobs, 600_000, scratch,
                                 exec_timeout_ms(FuzzRequest(target=target_text, seed=0), target),
                                 value_profile=False)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    features = [set(o["features"]) for o in outcomes]
    keep = keep_set([len(d) for d in data], features)
    removed = [p for i, p in enumerate(files) if i not in keep]
    for p in removed:
        p.unlink()
    return Minimized(
        before=len(files), after=len(keep),
        bytes_before=sum(len(d) for d in data),
        bytes_after=sum(len(d) for i, d in enumerate(data) if i in keep),
        features=len(set().union(*features)),
        removed=removed,
    )


def _read(path: Path) -> bytes:
    from fozzy.fuzzing.corpus import read_input

    try:
        return read_input(path)
    except OSError as e:
        raise FozzyError(f"cannot read corpus input {path}: {e.strerror or e}") from None
