"""Suite throughput: `fozzy test` against pytest on the same number of no-op tests.

    .venv/bin/python benchmarks/suite_throughput.py [--count 2000] [--repeat 3] [--json]
        [--baseline DIR]   # also time the fozzy source tree at DIR (e.g. a `git worktree`)

Prints, in one run (each figure the median of --repeat rounds; the commands of a round run
back to back so that load from other processes hits them alike):
- wall time, scenarios/s and CPU seconds (the command plus everything it waited for) of
  `fozzy test --jobs 1`, `fozzy test --jobs 2`, `pytest -q` and `pytest -q -n 2` (pytest-xdist)
  over --count tiny scenarios / equivalent no-op tests, and the pytest / fozzy ratios;
- the per-scenario cost of `fozzy test --jobs 2`: (wall of the suite - wall of a one-scenario
  suite) / (count - 1), i.e. what each scenario adds after start-up;
- --heavy CPU-bound scenarios (long memory/net step loops), `--jobs 2` / `--jobs 1` speedup;
- the coordinator's own peak RSS (VmHWM of the `fozzy` process, workers excluded) for a
  --rss-count scenario suite.
Targets: `fozzy test --jobs 2` >= 15x faster than `pytest -n 2`, per-scenario cost < 40 us,
heavy speedup >= 1.7x on 2 cores, coordinator peak RSS < 150 MB for 20,000 scenarios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bytecode import ensure_compiled

TARGET_RATIO = 15.0
TARGET_PER_SCENARIO_US = 40.0
TARGET_SPEEDUP = 1.7
TARGET_RSS_MB = 150.0
PER_DIR = 100


def fozzy(tree: str | None = None) -> list[str]:
    """The installed command, or `python -m fozzy` run from the source tree `tree`."""
    if tree is not None:
        return ["env", f"PYTHONPATH={tree}", sys.executable, "-m", "fozzy"]
    script = Path(sys.executable).parent / "fozzy"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "fozzy"]


def tiny(i: int) -> dict[str, Any]:
    return {"version": 1, "name": f"tiny-{i}", "steps": [
        {"type": "set_kv", "key": "k", "value": str(i)},
        {"type": "get_kv_assert", "key": "k", "equals": str(i)},
        {"type": "assert_eq_int", "a": i, "b": i},
    ]}


def heavy(i: int, loops: int) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for n in range(loops):
        steps += [
            {"type": "memory_alloc", "bytes": 64 + (n + i) % 512, "key": "buf"},
            {"type": "net_send", "from": "a", "to": "b", "payload": f"m{n}"},
            {"type": "net_deliver_one"},
            {"type": "memory_free", "key": "buf"},
        ]
    return {"version": 1, "name": f"heavy-{i}", "steps": steps}


def write_scenarios(root: Path, count: int, make: Any) -> None:
    for i in range(count):
        d = root / "tests" / f"g{i // PER_DIR:04d}"
        if i % PER_DIR == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"s{i:06d}.fozzy.json").write_text(json.dumps(make(i)))


def write_pytests(root: Path, count: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for f in range(0, count, PER_DIR):
        body = "".join(f"def test_{i:06d}():\n    pass\n\n"
                       for i in range(f, min(f + PER_DIR, count)))
        (root / f"test_g{f // PER_DIR:04d}.py").write_text(body)


def timed(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the command and all it waited for, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return wall, cpu, proc.stdout


def fozzy_suite(
    cwd: Path, jobs: int, expect: int, tree: str | None = None
) -> tuple[float, float]:
    wall, cpu, out = timed([*fozzy(tree), "test", "--jobs", str(jobs), "--json"], cwd)
    passed = json.loads(out)["tests"]["passed"]
    if passed != expect:
        raise SystemExit(f"fozzy test --jobs {jobs}: {passed} passed, expected {expect}")
    return wall, cpu


def pytest_suite(cwd: Path, xdist: bool, expect: int) -> tuple[float, float]:
    argv = [sys.executable, "-m", "pytest", "-q", *(["-n", "2"] if xdist else [])]
    wall, cpu, out = timed(argv, cwd)
    if f"{expect} passed" not in out:
        raise SystemExit(f"{' '.join(argv)}: expected {expect} passed:\n{out[-500:]}")
    return wall, cpu


def peak_rss_mb(cwd: Path, expect: int) -> float:
    """VmHWM of the coordinator process alone, sampled until it exits (it never shrinks)."""
    proc = subprocess.Popen([*fozzy(), "test", "--jobs", "2", "--json"], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    status = Path(f"/proc/{proc.pid}/status")
    peak_kb = 0
    while True:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        try:  # drains the pipes while it runs; returns everything once it has exited
            out, _ = proc.communicate(timeout=0.02)
            break
        except subprocess.TimeoutExpired:
            continue
    if proc.returncode != 0 or json.loads(out)["tests"]["passed"] != expect:
        raise SystemExit(f"the {expect}-scenario suite did not pass")
    return peak_kb / 1024


def median_of(rounds: list[dict[str, tuple[float, float]]], key: str) -> dict[str, float]:
    return {"wall": statistics.median(r[key][0] for r in rounds),
            "cpu": statistics.median(r[key][1] for r in rounds)}


def measure(opts: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    suite, one, py, hv, big = (tmp / n for n in ("suite", "one", "py", "heavy", "big"))
    write_scenarios(suite, opts.count, tiny)
    write_scenarios(one, 1, tiny)
    write_pytests(py, opts.count)
    write_scenarios(hv, opts.heavy, lambda i: heavy(i, opts.heavy_loops))
    rounds: list[dict[str, tuple[float, float]]] = []
    for _ in range(opts.repeat):
        r = {
            "fozzy_j1": fozzy_suite(suite, 1, opts.count),
            "fozzy_j2": fozzy_suite(suite, 2, opts.count),
            "startup_j2": fozzy_suite(one, 2, 1),
            "pytest": pytest_suite(py, False, opts.count),
            "pytest_n2": pytest_suite(py, True, opts.count),
            "heavy_j1": fozzy_suite(hv, 1, opts.heavy),
            "heavy_j2": fozzy_suite(hv, 2, opts.heavy),
        }
        if opts.baseline:
            r["base_j1"] = fozzy_suite(suite, 1, opts.count, opts.baseline)
            r["base_j2"] = fozzy_suite(suite, 2, opts.count, opts.baseline)
            r["base_startup_j2"] = fozzy_suite(one, 2, 1, opts.baseline)
        rounds.append(r)
    out: dict[str, Any] = {k: median_of(rounds, k) for k in rounds[0]}
    n = opts.count
    out["ratio_n2"] = out["pytest_n2"]["wall"] / out["fozzy_j2"]["wall"]
    out["ratio_serial"] = out["pytest"]["wall"] / out["fozzy_j1"]["wall"]
    out["per_scenario_us"] = statistics.median(
        (r["fozzy_j2"][0] - r["startup_j2"][0]) / (n - 1) * 1e6 for r in rounds)
    out["heavy_speedup"] = statistics.median(r["heavy_j1"][0] / r["heavy_j2"][0] for r in rounds)
    if opts.baseline:
        out["base_per_scenario_us"] = statistics.median(
            (r["base_j2"][0] - r["base_startup_j2"][0]) / (n - 1) * 1e6 for r in rounds)
        out["speedup_vs_base_j2"] = statistics.median(
            r["base_j2"][0] / r["fozzy_j2"][0] for r in rounds)
    if opts.rss_count:
        write_scenarios(big, opts.rss_count, tiny)
        out["rss_mb"] = peak_rss_mb(big, opts.rss_count)
    out["count"], out["heavy"], out["rssCount"] = n, opts.heavy, opts.rss_count
    out["loadavg"] = os.getloadavg()[0]
    return out


def report(out: dict[str, Any]) -> None:
    n = out["count"]
    labels = [("fozzy_j1", "fozzy test --jobs 1"), ("fozzy_j2", "fozzy test --jobs 2"),
              ("pytest", "pytest -q"), ("pytest_n2", "pytest -q -n 2")]
    if "base_j1" in out:
        labels += [("base_j1", "baseline --jobs 1"), ("base_j2", "baseline --jobs 2")]
    for key, label in labels:
        m = out[key]
        print(f"{label:22} {m['wall']:7.3f} s  {n / m['wall']:9.0f} scenarios/s"
              f"  (cpu {m['cpu']:.2f} s)")
    print(f"pytest -n 2 / fozzy --jobs 2: {out['ratio_n2']:.1f}x (target >= {TARGET_RATIO:.0f}x);"
          f" pytest -q / fozzy --jobs 1: {out['ratio_serial']:.1f}x")
    print(f"per-scenario cost, --jobs 2: {out['per_scenario_us']:.0f} us"
          f" (one-scenario suite {out['startup_j2']['wall']:.3f} s;"
          f" target < {TARGET_PER_SCENARIO_US:.0f} us)")
    if "base_j1" in out:
        print(f"baseline per-scenario cost, --jobs 2: {out['base_per_scenario_us']:.0f} us;"
              f" baseline / fozzy wall, --jobs 2: {out['speedup_vs_base_j2']:.2f}x")
    h1, h2 = out["heavy_j1"]["wall"], out["heavy_j2"]["wall"]
    print(f"{out['heavy']} cpu-heavy scenarios: --jobs 1 {h1:.2f} s, --jobs 2 {h2:.2f} s,"
          f" speedup {out['heavy_speedup']:.2f}x (target >= {TARGET_SPEEDUP}x)")
    if "rss_mb" in out:
        print(f"coordinator peak RSS, {out['rssCount']} scenarios: {out['rss_mb']:.0f} MB"
              f" (target < {TARGET_RSS_MB:.0f} MB)")
    print(f"load average during the run: {out['loadavg']:.1f} on {os.cpu_count()} CPUs")


def main() -> int:
    ensure_compiled()
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--heavy", type=int, default=200)
    ap.add_argument("--heavy-loops", type=int, default=400,
                    help="alloc/send/deliver/free rounds per heavy scenario")
    ap.add_argument("--rss-count", type=int, default=20000, help="0 skips the RSS suite")
    ap.add_argument("--baseline", metavar="DIR", help="a fozzy source tree to compare with")
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    if opts.count < 2 or opts.repeat < 1 or opts.heavy < 1:
        ap.error("--count must be >= 2, --repeat and --heavy >= 1")
    if opts.baseline:
        ensure_compiled(Path(opts.baseline))
    with tempfile.TemporaryDirectory() as tmp:
        out = measure(opts, Path(tmp))
    if opts.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
