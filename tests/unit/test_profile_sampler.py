"""The `--profile-cpu` sampler: SIGPROF at a fixed CPU-time rate, user frames only."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from workers.fuzz.pyfn import load_target
from workers.fuzz.sampler import StackSampler, as_measurements, merge

SOURCE = '''
def hot(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def target(data):
    return hot(200_000)
'''


def test_samples_name_the_user_function_on_cpu(tmp_path: Path) -> None:
    (tmp_path / "burner.py").write_text(SOURCE)
    fn = load_target("burner.py:target", str(tmp_path))
    sampler = StackSampler(fn.files, period_s=0.002)
    sampler.start()
    try:
        end = time.process_time() + 0.4
        while time.process_time() < end:
            fn.func(b"")
    finally:
        sampler.stop()
    assert signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, None)
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    out = sampler.result()
    names = [[out["frames"][i]["name"] for i in stack] for stack in out["stacks"]]
    assert names[0] == ["target", "hot"]  # most samples first, root first
    assert all(os.path.basename(f["file"]) == "burner.py" for f in out["frames"])
    assert sum(out["counts"]) >= 20  # 0.4 s of CPU at 2 ms: ~200 expected
    assert out["periodNs"] == 2_000_000


def test_merge_reindexes_frames_by_identity() -> None:
    a = {"periodNs": 4, "frames": [{"name": "f", "file": "x", "line": 1}],
         "stacks": [[0]], "counts": [2], "otherSamples": 1}
    b = {"periodNs": 4, "frames": [{"name": "g", "file": "x", "line": 5},
                                   {"name": "f", "file": "x", "line": 1}],
         "stacks": [[1], [1, 0]], "counts": [3, 1], "otherSamples": 0}
    merged = merge([a, b])
    assert merged is not None
    by_stack = {tuple(merged["frames"][i]["name"] for i in s): c
                for s, c in zip(merged["stacks"], merged["counts"], strict=True)}
    assert by_stack == {("f",): 5, ("f", "g"): 1}
    assert merged["otherSamples"] == 1
    assert merge([]) is None
    m = as_measurements(merged)
    assert m["steps"] == [] and m["totals"]["sampledCpuNs"] == 7 * 4
