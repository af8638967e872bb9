"""Trace I/O throughput: write, verify and read a large trace; recording overhead of a run.

    .venv/bin/python benchmarks/trace_io.py [--mb 60] [--repeat 3] [--json]

The trace is built from the events and decisions a real engine run emits (repeated until the
file reaches --mb), so its shape is what `fozzy run --record` writes. Verification must stay
at or above 200 MB/s (the target in docs/trace-format.md); exit status 1 when it does not.
The gate uses `verifyCpuMBps`, the size divided by the process's CPU time: on an idle machine
it matches the wall-clock rate, and unlike wall time it is not inflated by other load (shared
CI machines). `recordOverhead` compares `fozzy run` with and without `--record` (which also
writes the run's events and timeline, as any recorded run does).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fozzy.trace.model import build_trace  # noqa: E402
from fozzy.trace.reader import read_trace  # noqa: E402
from fozzy.trace.verify import verify_trace  # noqa: E402
from fozzy.trace.writer import resolve_target, write_trace  # noqa: E402
from workers.engine.loop import run_scenario  # noqa: E402
from workers.steps.parse import parse_steps  # noqa: E402

VERIFY_TARGET_MBPS = 200.0

STEPS: list[dict[str, Any]] = [
    {"type": "trace_event", "name": "setup", "fields": {"user": "alice", "n": 3}},
    {"type": "rand_u64", "key": "r"},
    {"type": "sleep", "duration": "5ms"},
    {"type": "set_kv", "key": "k", "value": "v"},
    {"type": "net_send", "from": "a", "to": "b", "payload": "ping"},
    {"type": "net_deliver_one"},
    {"type": "memory_alloc", "bytes": 128, "key": "buf"},
    {"type": "memory_free", "key": "buf"},
    {"type": "get_kv_assert", "key": "k", "equals": "v"},
]


def big_trace(mb: float) -> dict[str, Any]:
    scenario = {"version": 1, "name": "bench", "steps": parse_steps(STEPS, "/steps")}
    one = run_scenario({"scenario": scenario, "seed": 1, "det": True})
    unit = len(json.dumps(one["events"])) + len(json.dumps(one["decisions"]))
    copies = max(1, int(mb * 1_000_000 / unit) + 1)
    events: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    for c in range(copies):
        offset = c * 1000
        events.extend({**e, "time_ms": e["time_ms"] + offset} for e in one["events"])
        decisions.extend(one["decisions"])
    summary = {"status": "pass", "mode": "run", "identity": {"runId": "bench", "seed": 1}}
    return build_trace(mode="run", scenario_path="bench.fozzy.json", scenario=scenario,
                       decisions=decisions, events=events, summary=summary)


def best_of(repeat: int, fn: Any, clock: Any = time.perf_counter) -> float:
    times: list[float] = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def record_overhead(work: Path, repeat: int) -> dict[str, Any] | None:
    """Wall time of `fozzy run` with and without `--record` on the same scenario, when the
    run command is available."""
    fozzy = [sys.executable, "-m", "fozzy"]
    scenario = work / "bench.fozzy.json"
    scenario.write_text(json.dumps({"version": 1, "name": "bench", "steps": STEPS * 200}))
    probe = subprocess.run([*fozzy, "run", "--help"], capture_output=True, text=True, cwd=work,
                           check=False)
    if probe.returncode != 0 or "--record" not in probe.stdout:
        return None

    def run(extra: list[str]) -> None:
        subprocess.run([*fozzy, "run", str(scenario), "--det", "--seed", "1", *extra],
                       cwd=work, check=True, capture_output=True)

    plain = best_of(repeat, lambda: run([]))
    recorded = best_of(repeat, lambda: run(["--record", str(work / "r.fozzy"),
                                            "--record-collision", "overwrite"]))
    return {"plainS": round(plain, 4), "recordS": round(recorded, 4),
            "overheadPct": round((recorded - plain) / plain * 100, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fozzy-bench-"))
    try:
        doc = big_trace(args.mb)
        n_events = len(doc["events"])
        path = work / "big.fozzy"

        def write(doc: dict[str, Any] = doc) -> None:
            write_trace(resolve_target(path, "overwrite"), doc)

        write_s = best_of(args.repeat, write)
        os.environ["FOZZY_TRACE_PRETTY"] = "1"
        pretty = work / "pretty.fozzy"
        write_trace(resolve_target(pretty, "overwrite"), doc)
        del os.environ["FOZZY_TRACE_PRETTY"]
        # A `fozzy trace verify` process holds nothing else: drop the document so the
        # measurement is not charged for garbage-collector passes over it.
        del doc, write
        gc.collect()
        size_mb = path.stat().st_size / 1_000_000
        verify_s = best_of(args.repeat, lambda: verify_trace(path, strict=True))
        verify_cpu = best_of(args.repeat, lambda: verify_trace(path, strict=True),
                             time.process_time)
        read_s = best_of(args.repeat, lambda: read_trace(path))
        pretty_mb = pretty.stat().st_size / 1_000_000
        pretty_s = best_of(args.repeat, lambda: verify_trace(pretty, strict=True))
        result: dict[str, Any] = {
            "traceMB": round(size_mb, 1),
            "events": n_events,
            "writeMBps": round(size_mb / write_s, 1),
            "verifyMBps": round(size_mb / verify_s, 1),
            "verifyCpuMBps": round(size_mb / verify_cpu, 1),
            "readMBps": round(size_mb / read_s, 1),
            "verifyPrettyMBps": round(pretty_mb / pretty_s, 1),
            "verifyTargetMBps": VERIFY_TARGET_MBPS,
            "recordOverhead": record_overhead(work, args.repeat),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k:18} {v}")
    return 0 if result["verifyCpuMBps"] >= VERIFY_TARGET_MBPS else 1


if __name__ == "__main__":
    sys.exit(main())
