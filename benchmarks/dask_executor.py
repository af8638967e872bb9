"""The Dask backend against the local pool on this machine: `--dask local:2` vs `--jobs 2`.

    .venv/bin/python benchmarks/dask_executor.py [--tiny 20000] [--heavy 200] [--json]

Prints, in one run:
- wall time of `fozzy test` over --tiny tiny scenarios and over --heavy CPU-bound ones
  (long memory/net step loops), on `--jobs 2` and on `--dask local:2`, and their ratios;
- the fixed cost of a `--dask local:2` run (a one-scenario suite: LocalCluster start-up,
  one spawned sandbox per Dask worker) and the per-scenario cost after it, both backends;
- fuzz execs/s of the planted `fn:` target for --fuzz-seconds, cluster vs local.
Targets (issue 19): CPU-heavy suite within 1.15x of local wall, tiny suite within 3x of local
wall, cluster fuzz execs/s >= 80 % of local `--jobs 2`. The fixed cost is what a real
cluster does not pay per run (its workers and sandboxes are already up); docs/cluster.md
works out the scaling estimate from these figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bytecode import ensure_compiled
from suite_throughput import heavy, tiny, write_scenarios

ROOT = Path(__file__).resolve().parent.parent
TARGET_HEAVY_RATIO = 1.15
TARGET_TINY_RATIO = 3.0
TARGET_FUZZ_SHARE = 0.80
BACKENDS = {"local": ["--jobs", "2"], "dask": ["--dask", "local:2"]}


def fozzy() -> list[str]:
    script = Path(sys.executable).parent / "fozzy"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "fozzy"]


def suite(cwd: Path, backend: str, expect: int) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([*fozzy(), "test", *BACKENDS[backend], "--json"], cwd=cwd,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or json.loads(proc.stdout)["tests"]["passed"] != expect:
        raise SystemExit(f"fozzy test {backend} failed:\n{proc.stdout[-2000:]}"
                         f"{proc.stderr[-2000:]}")
    return wall


def fuzz_rate(cwd: Path, backend: str, seconds: int) -> float:
    corpus = tempfile.mkdtemp(dir=cwd)
    proc = subprocess.run([*fozzy(), "fuzz", "fn:planted.py:parse_header", "--crash-only",
                           "--time", f"{seconds}s", "--seed", "1", "--corpus", corpus,
                           "--json", *BACKENDS[backend]],
                          cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"fozzy fuzz {backend} failed: {proc.stdout}{proc.stderr}")
    return float(json.loads(proc.stdout)["fuzz"]["execsPerSecond"])


def measure(opts: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    tiny_dir, heavy_dir, one_dir, fuzz_dir = (tmp / n for n in ("tiny", "heavy", "one", "fz"))
    write_scenarios(tiny_dir, opts.tiny, tiny)
    write_scenarios(heavy_dir, opts.heavy, lambda i: heavy(i, opts.heavy_loops))
    write_scenarios(one_dir, 1, tiny)
    fuzz_dir.mkdir()
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", fuzz_dir / "planted.py")
    out: dict[str, Any] = {}
    for backend in BACKENDS:
        out[backend] = {
            "one": suite(one_dir, backend, 1),
            "tiny": suite(tiny_dir, backend, opts.tiny),
            "heavy": suite(heavy_dir, backend, opts.heavy),
            "fuzzExecsPerSecond": fuzz_rate(fuzz_dir, backend, opts.fuzz_seconds),
        }
        b = out[backend]
        b["perScenarioUs"] = (b["tiny"] - b["one"]) / (opts.tiny - 1) * 1e6
    local, dask = out["local"], out["dask"]
    out["tinyRatio"] = dask["tiny"] / local["tiny"]
    out["heavyRatio"] = dask["heavy"] / local["heavy"]
    out["tinyRatioAfterStartup"] = (dask["tiny"] - dask["one"]) / (local["tiny"] - local["one"])
    out["heavyRatioAfterStartup"] = (dask["heavy"] - dask["one"]) / (
        local["heavy"] - local["one"])
    out["fuzzShare"] = dask["fuzzExecsPerSecond"] / local["fuzzExecsPerSecond"]
    out["tinyCount"], out["heavyCount"] = opts.tiny, opts.heavy
    return out


def report(out: dict[str, Any]) -> None:
    for backend, label in (("local", "--jobs 2"), ("dask", "--dask local:2")):
        b = out[backend]
        print(f"{label:15} one {b['one']:6.2f} s  tiny({out['tinyCount']}) {b['tiny']:6.2f} s"
              f"  heavy({out['heavyCount']}) {b['heavy']:6.2f} s"
              f"  per-scenario {b['perScenarioUs']:6.0f} us"
              f"  fuzz {b['fuzzExecsPerSecond']:8.0f} execs/s")
    print(f"heavy dask/local {out['heavyRatio']:.2f}x (target <= {TARGET_HEAVY_RATIO}x;"
          f" {out['heavyRatioAfterStartup']:.2f}x after start-up)")
    print(f"tiny  dask/local {out['tinyRatio']:.2f}x (target <= {TARGET_TINY_RATIO}x;"
          f" {out['tinyRatioAfterStartup']:.2f}x after start-up)")
    print(f"fuzz  dask/local {out['fuzzShare']:.0%} (target >= {TARGET_FUZZ_SHARE:.0%})")


def main() -> int:
    ensure_compiled()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", type=int, default=20000)
    ap.add_argument("--heavy", type=int, default=200)
    ap.add_argument("--heavy-loops", type=int, default=400)
    ap.add_argument("--fuzz-seconds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fozzy-bench-dask-") as tmp:
        out = measure(opts, Path(tmp))
    if opts.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)
    met = (out["heavyRatio"] <= TARGET_HEAVY_RATIO and out["tinyRatio"] <= TARGET_TINY_RATIO
           and out["fuzzShare"] >= TARGET_FUZZ_SHARE)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
