"""The pytest plugin's cost: the same tiny scenarios via `pytest --fozzy` and `fozzy test`,
and as many plain no-op pytest tests, in one run.

    .venv/bin/python benchmarks/pytest_plugin.py [--count 2000] [--repeat 3] [--json]

Each figure is the median wall time of --repeat rounds (the commands of a round run back to
back so that load from other processes hits them alike), with CPU seconds of the command and
everything it waited for:
- `fozzy test --jobs 2` over --count tiny scenarios (the floor: no pytest at all);
- `pytest --fozzy` (one pool of 2 workers, every item dispatched at the first one) and
  `pytest --fozzy -n 2` (two xdist workers, each with its own one-worker pool, one round trip
  per item) over the same scenarios;
- `pytest` and `pytest -n 2` over --count no-op test functions (what pytest itself costs per
  item, whatever the item does);
- `pytest` over the no-op tests with the scenario files present but no `--fozzy` (the plugin
  is installed and off: its price for everyone else).
The ratio `pytest --fozzy` / plain `pytest` says how much a fozzy item costs beyond a pytest
item.
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

PER_DIR = 100
#: `pytest --fozzy` over the scenarios may take at most this many times plain pytest over as
#: many no-op tests: a fozzy item should cost about a pytest item (measured ~1.6x, the extra
#: being one File collector per scenario file), the pool's work being hidden behind pytest's.
TARGET_VS_PLAIN = 2.0
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FOZZY_"))}


def tiny(i: int) -> dict[str, Any]:
    return {"version": 1, "name": f"tiny-{i}", "steps": [
        {"type": "set_kv", "key": "k", "value": str(i)},
        {"type": "get_kv_assert", "key": "k", "equals": str(i)},
        {"type": "assert_eq_int", "a": i, "b": i},
    ]}


def write_scenarios(root: Path, count: int) -> None:
    for i in range(count):
        d = root / "tests" / f"g{i // PER_DIR:04d}"
        if i % PER_DIR == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"s{i:06d}.fozzy.json").write_text(json.dumps(tiny(i)))


def write_pytests(root: Path, count: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for f in range(0, count, PER_DIR):
        body = "".join(f"def test_{i:06d}():\n    pass\n\n"
                       for i in range(f, min(f + PER_DIR, count)))
        (root / f"test_g{f // PER_DIR:04d}.py").write_text(body)


def timed(argv: list[str], cwd: Path, expect: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds of the command and all it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0 or expect not in proc.stdout:
        raise SystemExit(f"{' '.join(argv)} ({proc.returncode}), expected {expect!r}:\n"
                         f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return wall, cpu


def commands(count: int) -> dict[str, tuple[list[str], str, str]]:
    """name → (argv, directory, what its output must contain)."""
    fozzy = str(Path(sys.executable).parent / "fozzy")
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    passed = f"{count} passed"
    return {
        "fozzy_test": ([fozzy, "test", "--jobs", "2", "--seed", "1"], "suite", "pass"),
        "pytest_fozzy": ([*pytest, "--fozzy", "--fozzy-jobs", "2", "--fozzy-seed", "1"],
                         "suite", passed),
        "pytest_fozzy_n2": ([*pytest, "--fozzy", "--fozzy-seed", "1", "-n", "2"], "suite",
                            passed),
        "pytest_plain": (pytest, "py", passed),
        "pytest_plain_n2": ([*pytest, "-n", "2"], "py", passed),
        "pytest_plugin_off": (pytest, "mixed", passed),
    }


def measure(count: int, repeat: int, tmp: Path) -> dict[str, Any]:
    write_scenarios(tmp / "suite", count)
    write_pytests(tmp / "py", count)
    write_scenarios(tmp / "mixed", count)
    write_pytests(tmp / "mixed" / "tests", count)
    cmds = commands(count)
    rounds = [{name: timed(argv, tmp / where, expect)
               for name, (argv, where, expect) in cmds.items()} for _ in range(repeat)]
    out: dict[str, Any] = {
        name: {"wall": statistics.median(r[name][0] for r in rounds),
               "cpu": statistics.median(r[name][1] for r in rounds)}
        for name in cmds
    }
    out["ratio_fozzy_vs_plain"] = out["pytest_fozzy"]["wall"] / out["pytest_plain"]["wall"]
    out["cpu_ratio_fozzy_vs_plain"] = out["pytest_fozzy"]["cpu"] / out["pytest_plain"]["cpu"]
    out["ratio_fozzy_vs_fozzy_test"] = out["pytest_fozzy"]["wall"] / out["fozzy_test"]["wall"]
    out["count"], out["loadavg"] = count, os.getloadavg()[0]
    return out


LABELS = [
    ("fozzy_test", "fozzy test --jobs 2"),
    ("pytest_fozzy", "pytest --fozzy (2 workers)"),
    ("pytest_fozzy_n2", "pytest --fozzy -n 2"),
    ("pytest_plain", "pytest (no-op tests)"),
    ("pytest_plain_n2", "pytest -n 2 (no-op tests)"),
    ("pytest_plugin_off", "pytest, plugin off"),
]


def report(out: dict[str, Any]) -> None:
    n = out["count"]
    for key, label in LABELS:
        m = out[key]
        print(f"{label:28} {m['wall']:7.3f} s  {n / m['wall']:8.0f} items/s"
              f"  (cpu {m['cpu']:.2f} s)")
    print(f"pytest --fozzy / pytest no-op: {out['ratio_fozzy_vs_plain']:.2f}x"
          f" (target <= {TARGET_VS_PLAIN:.1f}x);"
          f" pytest --fozzy / fozzy test: {out['ratio_fozzy_vs_fozzy_test']:.2f}x")
    print(f"CPU seconds, pytest --fozzy / pytest no-op: {out['cpu_ratio_fozzy_vs_plain']:.2f}x"
          " (steadier than wall time on a loaded machine)")
    print(f"load average during the run: {out['loadavg']:.1f} on {os.cpu_count()} CPUs")


def main() -> int:
    ensure_compiled()
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    if opts.count < 1 or opts.repeat < 1:
        ap.error("--count and --repeat must be >= 1")
    with tempfile.TemporaryDirectory() as tmp:
        out = measure(opts.count, opts.repeat, Path(tmp))
    if opts.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
