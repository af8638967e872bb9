"""Fuzzing throughput and time-to-find, measured through the real `fozzy fuzz` command.

    .venv/bin/python benchmarks/fuzz_throughput.py [--seeds 5] [--runs 60000] [--json]

Prints, in one run:
- execs/s for a small scripted scenario target and for the `fn:` planted-bug target, with
  `--jobs 1` and `--jobs 2` (per core = jobs-2 rate / 2), and the jobs-2 / jobs-1 ratio
  (campaign start-up included: each campaign runs for --seconds);
- time-to-find the planted `fn:` bug, coverage mode vs property mode, median over --seeds
  seeds (a campaign that does not find it within --find-budget counts as the budget);
- the `--time` overshoot: the largest wall time beyond --seconds of those rate campaigns
  (process start to exit, report and shutdown included).
Targets: >= 20,000 scenario execs/s per core, >= 1.8x with 2 workers, planted bug found in
under 60 s median (coverage mode), overshoot <= 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bytecode import ensure_compiled

ROOT = Path(__file__).resolve().parent.parent
TARGET_SCENARIO_PER_CORE = 20_000
TARGET_SPEEDUP = 1.8
TARGET_FIND_S = 60.0
TARGET_OVERSHOOT_S = 0.5
SCENARIO = {"version": 1, "name": "small", "steps": [
    {"type": "set_kv", "key": "user", "value": "alice"},
    {"type": "rand_u64", "key": "r"},
    {"type": "net_send", "from": "a", "to": "b", "payload": "hello"},
    {"type": "net_deliver_one"},
    {"type": "memory_alloc", "bytes": 128, "key": "buf"},
    {"type": "memory_free", "key": "buf"},
    {"type": "get_kv_assert", "key": "user"},
]}


def fozzy() -> list[str]:
    script = Path(sys.executable).parent / "fozzy"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "fozzy"]


def campaign(cwd: Path, target: str, *args: str) -> tuple[dict[str, Any], float]:
    corpus = tempfile.mkdtemp(dir=cwd)
    t0 = time.perf_counter()
    proc = subprocess.run([*fozzy(), "fuzz", target, "--corpus", corpus, "--json", *args],
                          cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"fozzy fuzz failed: {proc.stdout}{proc.stderr}")
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc, wall


def rate(cwd: Path, target: str, jobs: int, seconds: int) -> tuple[float, float]:
    """execs/s over the whole command, and its wall time beyond the budget."""
    doc, wall = campaign(cwd, target, "--time", f"{seconds}s", "--jobs", str(jobs),
                         "--seed", "1")
    return float(doc["fuzz"]["executed"]) / wall, wall - seconds


def time_to_find(cwd: Path, mode: str, seed: int, budget: int) -> float:
    doc, wall = campaign(cwd, "fn:planted.py:parse_header", "--mode", mode, "--crash-only",
                         "--time", f"{budget}s", "--seed", str(seed), "--jobs", "2")
    return wall if doc["fuzz"]["crashes"] else float(budget)


def main() -> int:
    ensure_compiled()
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--find-budget", type=int, default=60)
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", cwd / "planted.py")
        (cwd / "small.fozzy.json").write_text(json.dumps(SCENARIO))
        out: dict[str, Any] = {}
        over: list[float] = []
        for name, target in (("scenario", "scenario:small.fozzy.json"),
                             ("fn", "fn:planted.py:parse_header")):
            r1, o1 = rate(cwd, target, 1, opts.seconds)
            r2, o2 = rate(cwd, target, 2, opts.seconds)
            over += [o1, o2]
            out[name] = {"jobs1": round(r1), "jobs2": round(r2), "perCore": round(r2 / 2),
                         "speedup": round(r2 / r1, 2)}
        out["time_overshoot"] = {"maxSeconds": round(max(over), 2),
                                 "budgetSeconds": opts.seconds}
        for mode in ("coverage", "property"):
            times = [time_to_find(cwd, mode, s, opts.find_budget) for s in range(opts.seeds)]
            out[f"find_{mode}"] = {"medianSeconds": round(statistics.median(times), 2),
                                   "found": sum(t < opts.find_budget for t in times),
                                   "seeds": opts.seeds}
    if opts.json:
        print(json.dumps(out, indent=2))
        return 0
    for name in ("scenario", "fn"):
        o = out[name]
        print(f"{name:9} execs/s jobs1={o['jobs1']} jobs2={o['jobs2']} per-core={o['perCore']}"
              f" speedup={o['speedup']}x")
    for mode in ("coverage", "property"):
        o = out[f"find_{mode}"]
        print(f"find planted fn bug ({mode}): median {o['medianSeconds']}s,"
              f" found {o['found']}/{o['seeds']}")
    o = out["time_overshoot"]
    print(f"--time {o['budgetSeconds']}s overshoot: at most {o['maxSeconds']}s")
    print(f"targets: scenario per-core >= {TARGET_SCENARIO_PER_CORE}, speedup >="
          f" {TARGET_SPEEDUP}x, coverage median < {TARGET_FIND_S:g}s, overshoot <="
          f" {TARGET_OVERSHOOT_S:g}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
