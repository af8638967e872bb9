"""What profiling costs: the per-step measurements every recorded run takes, and the
`--profile-cpu` sampler on a CPU-bound `fn:` target.

    .venv/bin/python benchmarks/profile_overhead.py [--scenarios 4000] [--rounds 7]
        [--execs 3000] [--json]

Prints, in one run:
- the cost of measurements: the worker's engine with and without them, `--scenarios` tiny
  three-step scenarios (the `benchmarks/suite_throughput.py` shape) through
  `workers.engine.loop.execute`, untrimmed as `run` and `test --record` execute them, with
  `measure=True` and `measure=False`, rounds interleaved, best round of `--rounds`; the
  engine-only overhead is the relative increase of that per-scenario cost; the suite figure
  sets the added µs against the per-scenario wall cost of `fozzy test --jobs 1 --record` over
  `--recorded` such scenarios (the suite whose scenarios are measured, as with
  `--profile-capture full`). `fozzy test` without either keeps nothing of a scenario and does
  not measure: its throughput is unchanged.
- `fn:` execs per CPU second of `fozzy fuzz` (coordinator and workers, from RUSAGE_CHILDREN)
  on a CPU-bound target with and without `--profile-cpu` (`--execs` executions, `--det`,
  best of `--fuzz-rounds`); CPU time, because the machine's other load skews wall rates.
Targets: measurements < 3 %, sampler < 10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bytecode import ensure_compiled

TARGET_MEASURE_PCT = 3.0
TARGET_SAMPLER_PCT = 10.0
FN_SOURCE = '''
def work(data):
    total = 0
    for i in range(2000 + len(data)):
        total += i * i % 7
    return total


def target(data: bytes) -> None:
    work(data)
'''


def engine_rate(count: int, measure: bool) -> float:
    """CPU seconds per scenario through the engine loop (CPU time: other load on the machine
    does not distort it the way it distorts wall time)."""
    from workers.engine.loop import execute
    from workers.steps.parse import parse_steps

    steps = parse_steps([
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "get_kv_assert", "key": "k", "equals": "v"},
        {"type": "assert_eq_int", "a": 1, "b": 1},
    ], "/steps")
    scenario = {"version": 1, "name": "tiny", "steps": steps}
    t0 = time.process_time()
    for i in range(count):
        execute({"scenario": scenario, "seed": i, "det": True}, measure=measure)
    return (time.process_time() - t0) / count


def suite_overhead(count: int, rounds: int) -> dict[str, float]:
    on: list[float] = []
    off: list[float] = []
    engine_rate(200, True)  # warm imports and caches
    for _ in range(rounds):
        off.append(engine_rate(count, False))
        on.append(engine_rate(count, True))
    best_on, best_off = min(on), min(off)
    return {"perScenarioUsOff": best_off * 1e6, "perScenarioUsOn": best_on * 1e6,
            "scenariosPerSecondOff": 1 / best_off, "scenariosPerSecondOn": 1 / best_on,
            "overheadPct": (best_on - best_off) / best_off * 100}


def recorded_suite_us(count: int) -> float:
    """Per-scenario wall µs of `fozzy test --jobs 1 --record` over `count` tiny scenarios: the
    path whose scenarios are measured (each gets a trace that keeps its measurements)."""
    fozzy = Path(sys.executable).parent / "fozzy"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(count):
            (root / f"t{i}.fozzy.json").write_text(json.dumps({"version": 1, "name": f"t{i}",
                "steps": [{"type": "set_kv", "key": "k", "value": str(i)},
                          {"type": "get_kv_assert", "key": "k", "equals": str(i)},
                          {"type": "assert_eq_int", "a": i, "b": i}]}))
        t0 = time.perf_counter()
        r = subprocess.run([str(fozzy), "test", ".", "--jobs", "1", "--record",
                            str(root / "out" / "t.fozzy"), "--json"], cwd=root,
                           capture_output=True, text=True, check=False, timeout=600)
        elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"test failed: {r.stderr or r.stdout}")
    return elapsed / count * 1e6


def fuzz_rate(workdir: Path, execs: int, sampled: bool) -> float:
    fozzy = Path(sys.executable).parent / "fozzy"
    argv = [str(fozzy), "fuzz", "fn:cpu_target.py:target", "--runs", str(execs), "--det",
            "--json", "--corpus", str(workdir / ("corpus-s" if sampled else "corpus"))]
    if sampled:
        argv.append("--profile-cpu")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, check=False,
                       timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"fuzz failed: {r.stderr or r.stdout}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return int(json.loads(r.stdout)["fuzz"]["executed"]) / cpu


def sampler_overhead(execs: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "cpu_target.py").write_text(FN_SOURCE)
        plain: list[float] = []
        sampled: list[float] = []
        for _ in range(rounds):
            plain.append(fuzz_rate(workdir, execs, False))
            sampled.append(fuzz_rate(workdir, execs, True))
    best_plain, best_sampled = max(plain), max(sampled)
    return {"execsPerSecondPlain": best_plain, "execsPerSecondSampled": best_sampled,
            "overheadPct": (best_plain - best_sampled) / best_plain * 100}


def main() -> None:
    ensure_compiled()
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--recorded", type=int, default=300)
    ap.add_argument("--execs", type=int, default=3000)
    ap.add_argument("--fuzz-rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    measured = suite_overhead(opts.scenarios, opts.rounds)
    recorded = recorded_suite_us(opts.recorded)
    added = measured["perScenarioUsOn"] - measured["perScenarioUsOff"]
    measured["recordedSuitePerScenarioUs"] = recorded
    measured["recordedSuiteOverheadPct"] = added / (recorded - added) * 100
    out: dict[str, Any] = {
        "measurements": measured,
        "sampler": sampler_overhead(opts.execs, opts.fuzz_rounds),
        "loadAverage": os.getloadavg()[0],
    }
    if opts.json:
        print(json.dumps(out, indent=2))
        return
    m, s = out["measurements"], out["sampler"]
    print(f"engine, no measurements   {m['perScenarioUsOff']:8.2f} us/scenario"
          f"  ({m['scenariosPerSecondOff']:.0f}/s)")
    print(f"engine, measurements on   {m['perScenarioUsOn']:8.2f} us/scenario"
          f"  ({m['scenariosPerSecondOn']:.0f}/s)")
    print(f"engine-only overhead      {m['overheadPct']:8.2f} %"
          f"   (+{m['perScenarioUsOn'] - m['perScenarioUsOff']:.2f} us per scenario)")
    print(f"test --record, per scenario {m['recordedSuitePerScenarioUs']:6.0f} us; measurements"
          f" are {m['recordedSuiteOverheadPct']:.2f} % of it (target < {TARGET_MEASURE_PCT} %)")
    print(f"fn: fuzz, plain           {s['execsPerSecondPlain']:8.0f} execs/CPU s")
    print(f"fn: fuzz, --profile-cpu   {s['execsPerSecondSampled']:8.0f} execs/CPU s")
    print(f"sampler overhead          {s['overheadPct']:8.2f} %"
          f"   (target < {TARGET_SAMPLER_PCT} %)")
    print(f"load average during the run: {out['loadAverage']:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
