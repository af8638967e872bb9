"""fozzy's `fn:` fuzzing against atheris (libFuzzer + CPython instrumentation), same run.

    .venv/bin/python benchmarks/fuzz_vs_atheris.py [--seeds 3] [--budget 60] [--runs 200000]
        [--atheris-python PATH] [--json]

Prints, in one run:
- execs/s on one core of both tools on a trivial target and on the JSON target below
  (fozzy: `fuzz --runs N --jobs 1`, its own execsPerSecond; atheris: `-runs=N`, wall time);
- time to find, median of --seeds seeds (a miss counts as the budget), for (a) four nested
  byte comparisons, (b) a 32-bit integer magic, (c) a JSON document with a role and an id
  bound, (d) a `SET key=value` command — each target in its own file with exactly one bug
  (both tools stop at the first crash), found by both tools from an empty corpus.
Targets: fozzy >= 0.5x atheris execs/s on the JSON target; (a) and (b) found no slower than
atheris; (c) and (d) found by fozzy in under 60 s.

atheris is installed into a temporary venv (pip, from the package registry) unless
--atheris-python names an interpreter that has it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bytecode import ensure_compiled

TARGET_JSON_RATIO = 0.5
TARGET_FIND_S = 60.0

TARGETS = {
    "trivial": '''
def check(data: bytes) -> None:
    if len(data) > 1 and data[0] == 0x7F:
        return
''',
    "nested_bytes": '''
def check(data: bytes) -> None:
    if len(data) >= 4 and data[0] == 0x46:
        if data[1] == 0x55:
            if data[2] == 0x5A:
                if data[3] == 0x21:
                    raise RuntimeError("nested bytes")
''',
    "int_magic": '''
def check(data: bytes) -> None:
    if len(data) >= 4 and int.from_bytes(data[:4], "little") == 0x1337BEEF:
        raise RuntimeError("int magic")
''',
    "json_admin": '''
import json


def check(data: bytes) -> None:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return
    if isinstance(doc, dict) and doc.get("role") == "admin":
        ident = doc.get("id", 0)
        if isinstance(ident, int) and ident > 1000:
            raise RuntimeError("admin")
''',
    "set_command": '''
def check(data: bytes) -> None:
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return
    verb, _, rest = text.partition(" ")
    if verb == "SET":
        key, _, value = rest.partition("=")
        if key == "mode" and value == "debug":
            raise RuntimeError("debug mode")
''',
}
BUGS = ("nested_bytes", "int_magic", "json_admin", "set_command")

ATHERIS_HARNESS = '''
import sys
import atheris

with atheris.instrument_imports():
    import {module} as target


def one(data):
    target.check(data)


atheris.Setup(sys.argv, one)
atheris.Fuzz()
'''


def _fozzy() -> list[str]:
    script = Path(sys.executable).parent / "fozzy"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "fozzy"]


def _atheris_python(given: str | None, scratch: Path) -> str:
    if given:
        return given
    probe = subprocess.run([sys.executable, "-c", "import atheris"], capture_output=True)
    if probe.returncode == 0:
        return sys.executable
    venv = scratch / "atheris-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "atheris"], check=True)
    return str(venv / "bin" / "python")


def _fozzy_campaign(cwd: Path, name: str, args: list[str], timeout: float) -> dict[str, Any]:
    r = subprocess.run([*_fozzy(), "fuzz", f"fn:{name}.py:check", "--jobs", "1", "--json",
                        "--corpus", f"corpus-{name}-{time.monotonic_ns()}", *args],
                       cwd=cwd, capture_output=True, text=True, timeout=timeout + 60)
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def fozzy_rate(cwd: Path, name: str, runs: int) -> float:
    doc = _fozzy_campaign(cwd, name, ["--runs", str(runs), "--seed", "1"], 600)
    return float(doc["fuzz"]["execsPerSecond"])


def fozzy_find(cwd: Path, name: str, seed: int, budget: float) -> float:
    start = time.monotonic()
    doc = _fozzy_campaign(cwd, name, ["--crash-only", "--time", f"{int(budget)}s", "--seed",
                                      str(seed)], budget)
    found = any("RuntimeError" in c["signature"] for c in doc["fuzz"]["crashes"])
    return time.monotonic() - start if found else budget


def _atheris(py: str, cwd: Path, name: str, flags: list[str], timeout: float
             ) -> subprocess.CompletedProcess[str]:
    harness = cwd / f"run_{name}.py"
    harness.write_text(ATHERIS_HARNESS.format(module=name))
    corpus = cwd / f"atheris-corpus-{name}-{time.monotonic_ns()}"
    corpus.mkdir()
    return subprocess.run([py, str(harness), str(corpus), "-print_final_stats=1", *flags],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout + 60)


def atheris_rate(py: str, cwd: Path, name: str, runs: int) -> float:
    start = time.monotonic()
    r = _atheris(py, cwd, name, [f"-runs={runs}", "-seed=1"], 600)
    wall = time.monotonic() - start
    for line in (r.stdout + r.stderr).splitlines():
        if line.startswith("stat::number_of_executed_units:"):
            return int(line.split(":")[-1]) / wall
    return runs / wall


def atheris_find(py: str, cwd: Path, name: str, seed: int, budget: float) -> float:
    start = time.monotonic()
    r = _atheris(py, cwd, name, [f"-max_total_time={int(budget)}", f"-seed={seed + 1}"],
                 budget)
    found = "RuntimeError" in r.stdout + r.stderr
    return time.monotonic() - start if found else budget


def measure(opts: argparse.Namespace, cwd: Path, py: str) -> dict[str, Any]:
    for name, source in TARGETS.items():
        (cwd / f"{name}.py").write_text(source)
    out: dict[str, Any] = {"rates": {}, "finds": {}}
    for name in ("trivial", "json_admin"):
        ours, theirs = fozzy_rate(cwd, name, opts.runs), atheris_rate(py, cwd, name, opts.runs)
        out["rates"][name] = {"fozzy": round(ours), "atheris": round(theirs),
                              "ratio": round(ours / theirs, 3)}
    for name in BUGS:
        ours, theirs = [], []
        for s in range(opts.seeds):  # interleaved, so a busy moment costs both tools alike
            ours.append(fozzy_find(cwd, name, s, opts.budget))
            theirs.append(atheris_find(py, cwd, name, s, opts.budget))
        out["finds"][name] = {
            "fozzyMedianS": round(statistics.median(ours), 3),
            "fozzyFound": sum(t < opts.budget for t in ours),
            "atherisMedianS": round(statistics.median(theirs), 3),
            "atherisFound": sum(t < opts.budget for t in theirs),
            "seeds": opts.seeds,
        }
    out["met"] = {
        "jsonRate": out["rates"]["json_admin"]["ratio"] >= TARGET_JSON_RATIO,
        **{f"{n}NoSlower": out["finds"][n]["fozzyMedianS"] <= out["finds"][n]["atherisMedianS"]
           for n in ("nested_bytes", "int_magic")},
        **{f"{n}Found": out["finds"][n]["fozzyMedianS"] < min(TARGET_FIND_S, opts.budget)
           for n in ("json_admin", "set_command")},
    }
    out["loadavg"] = round(os.getloadavg()[0], 1)
    return out


def report(out: dict[str, Any]) -> None:
    print("execs/s on one core        fozzy    atheris   fozzy/atheris")
    for name, r in out["rates"].items():
        print(f"  {name:22} {r['fozzy']:>8} {r['atheris']:>10}   {r['ratio']:.3f}")
    print("time to find, median (found/seeds)   fozzy            atheris")
    for name, f in out["finds"].items():
        print(f"  {name:32} {f['fozzyMedianS']:7.3f}s ({f['fozzyFound']}/{f['seeds']})"
              f"  {f['atherisMedianS']:7.3f}s ({f['atherisFound']}/{f['seeds']})")
    print(f"targets: JSON execs/s >= {TARGET_JSON_RATIO}x atheris; nested bytes and int magic"
          f" no slower; JSON and SET command found in < {TARGET_FIND_S:g}s")
    print("met: " + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in out["met"].items()))
    print(f"load average: {out['loadavg']} on {os.cpu_count()} CPUs")


def main() -> int:
    ensure_compiled()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per find attempt")
    ap.add_argument("--runs", type=int, default=200_000, help="executions per rate figure")
    ap.add_argument("--atheris-python", help="an interpreter with atheris installed")
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fozzy-vs-atheris-") as tmp:
        cwd = Path(tmp)
        py = _atheris_python(opts.atheris_python, cwd)
        out = measure(opts, cwd, py)
    if opts.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)
    return 0 if all(out["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
