"""Explore engine throughput on the bundled 3-node examples.

Prints, at the engine level (the worker's `explore_batch`, no CLI or trace writing):

1. schedules/s of `random` on examples/explore/replication-ok (never violates, so every
   schedule runs to quiescence) with 1 and 2 worker processes, by wall clock and per CPU-second
   of the workers (the per-core figure; the target is >= 2,000 schedules/s per core);
2. distinct states and schedules run by exhaustive bfs with and without state-hash pruning;
3. time to the first violation on examples/explore/replication-bug per strategy, median of
   5 seeds (fifo is expected never to find it);
4. end to end through `fozzy explore` (worker pool, run directory): schedules/s of random on
   replication-ok with --jobs 1 and 2, by the run's own durationMs.

Usage: python benchmarks/explore_throughput.py [--schedules N] [--json]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workers.cluster.explore import effective_cluster, explore, explore_batch, prepare  # noqa: E402
from workers.cluster.schedule import STRATEGIES  # noqa: E402
from workers.cluster.spec import parse_distributed, validate_distributed  # noqa: E402

TARGET_PER_CORE = 2000


def cluster(name: str) -> dict[str, Any]:
    doc = orjson.loads((ROOT / "examples" / "explore" / f"{name}.fozzy.json").read_bytes())
    spec = parse_distributed(doc["distributed"])
    validate_distributed(spec)
    return effective_cluster(spec)


def timed_batch(item: dict[str, Any]) -> dict[str, Any]:
    """A batch plus the CPU time its process spent, so that other load on the machine does
    not count against per-core throughput."""
    cpu = time.process_time()
    out = explore_batch(item)
    out["cpuSeconds"] = time.process_time() - cpu
    return out


def throughput(total: int, jobs: int) -> dict[str, Any]:
    """Split `total` schedules into `jobs` batches with distinct seeds, one per process."""
    ok = cluster("replication-ok")
    items = [{"cluster": ok, "strategy": "random", "seed": j, "schedules": total // jobs,
              "max_violations": 1} for j in range(jobs)]
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(timed_batch, [dict(i, schedules=10) for i in items]))  # warm workers
        started = time.perf_counter()
        results = list(pool.map(timed_batch, items))
        wall = time.perf_counter() - started
    done = sum(r["schedules"] for r in results)
    assert not any(r["violations"] for r in results), "replication-ok must not violate"
    cpu = sum(r["cpuSeconds"] for r in results)
    return {"jobs": jobs, "schedules": done, "seconds": round(wall, 3),
            "schedules_per_s": round(done / wall), "per_core": round(done / cpu)}


def pruning() -> list[dict[str, Any]]:
    prep = prepare(cluster("replication-ok"))
    out = []
    for prune in (True, False):
        started = time.perf_counter()
        s = explore(prep, "bfs", prune=prune)
        out.append({"prune": prune, "distinct_states": len(s.seen), "schedules": s.schedules,
                    "exhausted": s.exhausted, "violations": len(s.violations),
                    "seconds": round(time.perf_counter() - started, 3)})
    return out


def time_to_violation(seeds: int = 5, budget: int = 5000) -> list[dict[str, Any]]:
    prep = prepare(cluster("replication-bug"))
    out = []
    for strategy in STRATEGIES:
        times: list[float] = []
        schedules: list[int] = []
        for seed in range(seeds):
            started = time.perf_counter()
            s = explore(prep, strategy, seed=seed, schedules=budget)
            if s.violations:
                times.append(time.perf_counter() - started)
                schedules.append(s.violations[0][1] + 1)
        out.append({
            "strategy": strategy,
            "found": f"{len(times)}/{seeds}",
            "median_ms": round(statistics.median(times) * 1000, 2) if times else None,
            "median_schedules": statistics.median(schedules) if schedules else None,
        })
    return out


def cli_throughput(total: int, jobs: int) -> dict[str, Any]:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "fozzy", "--json", "explore",
             str(ROOT / "examples" / "explore" / "replication-ok.fozzy.json"),
             "--schedule", "random", "--schedules", str(total), "--seed", "1",
             "--jobs", str(jobs)],
            cwd=tmp, capture_output=True, text=True, check=False)
    summary = orjson.loads(proc.stdout)
    assert summary["status"] == "pass", proc.stdout + proc.stderr
    ms = max(1, summary["durationMs"])
    return {"jobs": jobs, "schedules": total, "ms": ms, "schedules_per_s": round(total * 1000 / ms)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schedules", type=int, default=20000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = {
        "throughput": [throughput(args.schedules, j) for j in (1, 2)],
        "bfs_pruning": pruning(),
        "time_to_violation": time_to_violation(),
        "cli": [cli_throughput(args.schedules, j) for j in (1, 2)],
    }
    if args.json:
        print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return
    print("schedules/s, random on replication-ok (3 nodes), target >= "
          f"{TARGET_PER_CORE}/s per core:")
    for t in report["throughput"]:
        verdict = "ok" if t["per_core"] >= TARGET_PER_CORE else "BELOW TARGET"
        print(f"  jobs {t['jobs']}: {t['schedules']} schedules in {t['seconds']}s ="
              f" {t['schedules_per_s']}/s wall; {t['per_core']}/s per CPU-second ({verdict})")
    print("exhaustive bfs on replication-ok:")
    for p in report["bfs_pruning"]:
        print(f"  prune={p['prune']!s:5}: {p['distinct_states']} distinct states,"
              f" {p['schedules']} schedules, {p['violations']} violations, {p['seconds']}s")
    print("time to first violation on replication-bug (median of 5 seeds):")
    for v in report["time_to_violation"]:
        when = "not found" if v["median_ms"] is None else (
            f"{v['median_ms']} ms, {v['median_schedules']} schedules")
        print(f"  {v['strategy']:16} found {v['found']}: {when}")
    print("fozzy explore end to end, random on replication-ok:")
    for t in report["cli"]:
        print(f"  --jobs {t['jobs']}: {t['schedules']} schedules in {t['ms']} ms ="
              f" {t['schedules_per_s']}/s")


if __name__ == "__main__":
    main()
