"""CLI start-up and single-run latency against the interpreter's own start-up.

    .venv/bin/python benchmarks/run_latency.py [--runs 10] [--example PATH] [--json] [--check]

Measures, in one process and interleaved so machine load hits every command alike, the wall
time of `python -c pass`, `fozzy version`, `fozzy --help` and `fozzy run <example> --det
--json`, and reports the median of --runs for each plus its ratio to `python -c pass`.
Targets: `version` below 4x, `--help` below 6x and `run` below 7x. A `fozzy run` includes
starting a worker process, so its floor is two interpreter start-ups. With --check the exit
status is 1 when a target is missed.

The example is copied into a temporary directory, which is also the working directory, so
run artifacts never land in the checkout.
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

from bytecode import ensure_compiled

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXAMPLE = ROOT / "examples" / "plain-assertions-and-seeded-rng.fozzy.json"
TARGETS = {"version": 4.0, "help": 6.0, "run": 7.0}


def fozzy_command() -> list[str]:
    """The installed console script next to this interpreter (what users run), else -m."""
    script = Path(sys.executable).parent / "fozzy"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "fozzy"]


def wall_seconds(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    r = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(
            f"`{' '.join(argv)}` exited {r.returncode}:\n{r.stdout.decode()}{r.stderr.decode()}"
        )
    return elapsed


def measure(runs: int, example: Path) -> dict[str, dict[str, float]]:
    fozzy = fozzy_command()
    with tempfile.TemporaryDirectory(prefix="fozzy-latency-") as tmp:
        cwd = Path(tmp)
        shutil.copy(example, cwd / example.name)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "version": [*fozzy, "version"],
            "help": [*fozzy, "--help"],
            "run": [*fozzy, "run", example.name, "--det", "--seed", "7", "--json"],
        }
        for argv in commands.values():  # warm the OS file cache and .pyc files once
            wall_seconds(argv, cwd)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, argv in commands.items():
                samples[name].append(wall_seconds(argv, cwd))
    base = statistics.median(samples["python -c pass"])
    out: dict[str, dict[str, float]] = {}
    for name, values in samples.items():
        median = statistics.median(values)
        out[name] = {"medianMs": round(median * 1000, 1), "ratio": round(median / base, 1)}
    return out


def main() -> int:
    ensure_compiled()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="samples per command (median taken)")
    ap.add_argument("--example", type=Path, default=DEFAULT_EXAMPLE, help="scenario to run")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if not args.example.is_file():
        ap.error(f"--example {args.example} is not a file")
    results = measure(args.runs, args.example.resolve())
    missed = [name for name, limit in TARGETS.items() if results[name]["ratio"] >= limit]
    if args.json:
        doc = {"runs": args.runs, "example": str(args.example), "results": results,
               "targets": TARGETS, "missed": missed}
        print(json.dumps(doc, indent=2))
    else:
        print(f"median of {args.runs} runs, example {args.example.name}")
        print(f"{'command':<16} {'median ms':>10} {'x python':>9}  target")
        for name, r in results.items():
            target = TARGETS.get(name)
            verdict = "" if target is None else (
                f"< {target:g}x " + ("MISSED" if name in missed else "ok")
            )
            print(f"{name:<16} {r['medianMs']:>10.1f} {r['ratio']:>9.1f}  {verdict}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
