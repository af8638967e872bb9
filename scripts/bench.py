"""Every benchmark in one go, as one table of figure / target / met.

    .venv/bin/python scripts/bench.py [--only NAME[,NAME...]] [--json]

Runs each script of `benchmarks/` with `--json` (one after the other, so they do not load
each other), reads the figures named in `BENCHMARKS` out of its document and compares each
with the target constant the script itself declares — one source for every target. A
regression anywhere shows as a `no` in one command; the exit status is 1 when a target is
missed or a benchmark fails to run. Figures are only as quiet as the machine: the load
average is printed with the table.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"

Doc = dict[str, Any]


@dataclass(frozen=True)
class Figure:
    """One figure of a benchmark's JSON document and the rule it must meet."""

    label: str
    value: Callable[[Doc], float]
    #: Target from the benchmark's own constants or document; `at_least` says which side is
    #: good.
    target: Callable[[ModuleType, Doc], float]
    at_least: bool
    unit: str = ""


@dataclass(frozen=True)
class Benchmark:
    script: str
    args: tuple[str, ...]
    figures: tuple[Figure, ...]


def _latency(name: str) -> Figure:
    return Figure(f"`{name}` / python -c pass", lambda d: d["results"][name]["ratio"],
                  lambda m, _d: m.TARGETS[name], at_least=False, unit="x")


def _fuzz(side: str, key: str, target: Callable[[ModuleType, Doc], float], unit: str
          ) -> Figure:
    return Figure(f"{side} fuzz {key}", lambda d: d[side][key], target, at_least=True,
                  unit=unit)


def _throughput_per_core(d: Doc) -> float:
    return float(min(t["per_core"] for t in d["throughput"]))


def _find_ratio(name: str) -> Callable[[Doc], float]:
    def ratio(d: Doc) -> float:
        f = d["finds"][name]
        return float(f["fozzyMedianS"]) / max(float(f["atherisMedianS"]), 1e-3)

    return ratio


def _find_median(name: str) -> Callable[[Doc], float]:
    return lambda d: float(d["finds"][name]["fozzyMedianS"])


def _shrink_misses(d: Doc) -> float:
    return float(len(d["misses"]))


def _host(name: str, key: str, target_key: str, unit: str, scale: float = 1.0) -> Figure:
    """host_limits.py states each target in its own document."""
    return Figure(f"host {name} {key}", lambda d: d[name][key] / scale,
                  lambda _m, d: d[name][target_key] / scale, at_least=False, unit=unit)


#: What `bench.py` runs, with arguments that keep the whole table to a few minutes.
BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("run_latency.py", ("--runs", "10"), (
        _latency("version"), _latency("help"), _latency("run"),
    )),
    Benchmark("suite_throughput.py", ("--repeat", "3"), (
        Figure("pytest -n 2 / fozzy test --jobs 2", lambda d: d["ratio_n2"],
               lambda m, _d: m.TARGET_RATIO, at_least=True, unit="x"),
        Figure("per-scenario cost, --jobs 2", lambda d: d["per_scenario_us"],
               lambda m, _d: m.TARGET_PER_SCENARIO_US, at_least=False, unit="us"),
        Figure("cpu-heavy speedup, --jobs 2", lambda d: d["heavy_speedup"],
               lambda m, _d: m.TARGET_SPEEDUP, at_least=True, unit="x"),
        Figure("coordinator peak RSS, 20k scenarios", lambda d: d["rss_mb"],
               lambda m, _d: m.TARGET_RSS_MB, at_least=False, unit="MB"),
    )),
    Benchmark("fuzz_throughput.py", ("--seeds", "3", "--seconds", "3", "--find-budget", "30"), (
        _fuzz("scenario", "perCore", lambda m, _d: m.TARGET_SCENARIO_PER_CORE, "execs/s"),
        _fuzz("scenario", "speedup", lambda m, _d: m.TARGET_SPEEDUP, "x"),
        _fuzz("fn", "speedup", lambda m, _d: m.TARGET_SPEEDUP, "x"),
        Figure("planted fn bug, coverage median", lambda d: d["find_coverage"]["medianSeconds"],
               lambda m, _d: m.TARGET_FIND_S, at_least=False, unit="s"),
        Figure("fuzz --time overshoot", lambda d: d["time_overshoot"]["maxSeconds"],
               lambda m, _d: m.TARGET_OVERSHOOT_S, at_least=False, unit="s"),
    )),
    Benchmark("fuzz_vs_atheris.py", ("--seeds", "3", "--budget", "60", "--runs", "100000"), (
        Figure("fn: JSON target execs/s, fozzy / atheris",
               lambda d: d["rates"]["json_admin"]["ratio"],
               lambda m, _d: m.TARGET_JSON_RATIO, at_least=True, unit="x"),
        *(Figure(f"time to find {name}, fozzy / atheris", _find_ratio(name),
                 lambda _m, _d: 1.0, at_least=False, unit="x")
          for name in ("nested_bytes", "int_magic")),
        *(Figure(f"time to find {name}, fozzy median", _find_median(name),
                 lambda m, _d: m.TARGET_FIND_S, at_least=False, unit="s")
          for name in ("json_admin", "set_command")),
    )),
    Benchmark("explore_throughput.py", ("--schedules", "10000"), (
        Figure("explore schedules/s per core", _throughput_per_core,
               lambda m, _d: m.TARGET_PER_CORE, at_least=True, unit="/s"),
    )),
    Benchmark("shrink.py", ("--repeat", "3"), (
        Figure("shrink targets missed", _shrink_misses, lambda _m, _d: 0, at_least=False),
    )),
    Benchmark("trace_io.py", ("--repeat", "3"), (
        Figure("trace verify CPU throughput", lambda d: d["verifyCpuMBps"],
               lambda m, _d: m.VERIFY_TARGET_MBPS, at_least=True, unit="MB/s"),
    )),
    Benchmark("pytest_plugin.py", ("--repeat", "3"), (
        Figure("pytest --fozzy / pytest no-op tests", lambda d: d["ratio_fozzy_vs_plain"],
               lambda m, _d: m.TARGET_VS_PLAIN, at_least=False, unit="x"),
    )),
    Benchmark("host_limits.py", (), (
        _host("kill_latency", "p99_ms", "target_p99_ms", "ms"),
        _host("memory", "peak_rss_growth_bytes", "target_bytes", "MiB", scale=1 << 20),
        _host("overhead", "ratio", "target_ratio", "x"),
    )),
    Benchmark("full_workflow.py", (), (
        Figure("fozzy full on a fresh init", lambda d: d["seconds"],
               lambda m, _d: m.TARGET_S, at_least=False, unit="s"),
    )),
)


def _module(script: str) -> ModuleType:
    """The benchmark as a module, for its target constants (its `main` is not run)."""
    path = BENCH_DIR / script
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(bench: Benchmark) -> tuple[Doc | None, str, float]:
    start = time.monotonic()
    r = subprocess.run([sys.executable, str(BENCH_DIR / bench.script), *bench.args, "--json"],
                       capture_output=True, text=True, check=False, cwd=ROOT)
    seconds = time.monotonic() - start
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"exit {r.returncode}: {tail[0][:160]}", seconds
    return doc, "", seconds


def _rows(bench: Benchmark) -> list[dict[str, Any]]:
    doc, error, seconds = _run(bench)
    if doc is None:
        return [{"benchmark": bench.script, "figure": "(did not run)", "value": None,
                 "target": None, "met": False, "error": error, "seconds": round(seconds, 1)}]
    module = _module(bench.script)
    rows = []
    for fig in bench.figures:
        try:
            value = float(fig.value(doc))
        except (KeyError, TypeError, ValueError, IndexError) as e:
            rows.append({"benchmark": bench.script, "figure": fig.label, "value": None,
                         "target": None, "met": False, "error": f"missing figure: {e!r}"})
            continue
        target = float(fig.target(module, doc))
        met = value >= target if fig.at_least else value <= target
        side = ">=" if fig.at_least else "<="
        rows.append({"benchmark": bench.script, "figure": fig.label, "value": value,
                     "target": f"{side} {target:g}{fig.unit}", "met": met,
                     "seconds": round(seconds, 1)})
    return rows


def _unlisted() -> list[dict[str, Any]]:
    """A benchmark script nobody added to the table is a figure nobody watches: a miss."""
    listed = {b.script for b in BENCHMARKS}
    return [{"benchmark": p.name, "figure": "(not in scripts/bench.py)", "value": None,
             "target": None, "met": False, "error": "add it to BENCHMARKS"}
            for p in sorted(BENCH_DIR.glob("*.py")) if p.name not in listed]


def _print(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["figure"]) for r in rows)
    print(f"{'benchmark':22} {'figure':{width}} {'value':>12}  {'target':>16}  met")
    for r in rows:
        value = "-" if r["value"] is None else f"{r['value']:g}"
        target = r["target"] or "-"
        met = "yes" if r["met"] else "NO"
        line = f"{r['benchmark']:22} {r['figure']:{width}} {value:>12}  {target:>16}  {met}"
        print(line + (f"  ({r['error']})" if r.get("error") else ""))
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated script names (e.g. run_latency,shrink)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    chosen = list(BENCHMARKS)
    if args.only:
        wanted = {w.strip().removesuffix(".py") for w in args.only.split(",")}
        unknown = wanted - {Path(b.script).stem for b in BENCHMARKS}
        if unknown:
            ap.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        chosen = [b for b in BENCHMARKS if Path(b.script).stem in wanted]
    rows = [row for bench in chosen for row in _rows(bench)]
    if not args.only:
        rows += _unlisted()
    if args.json:
        print(json.dumps({"rows": rows, "met": all(r["met"] for r in rows)}, indent=2))
    else:
        _print(rows)
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
