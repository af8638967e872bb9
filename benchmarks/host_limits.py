"""Host-limit benchmarks: how fast a hung child dies, how little memory a capped flood costs,
and what a host spawn costs next to `subprocess.run`.

    .venv/bin/python benchmarks/host_limits.py [--json] [--check]

1. Kill latency: 50 children that ignore SIGTERM, each given a 200 ms deadline; latency is
   the time from the deadline to `run_process` returning (tree killed and reaped).
   Target p99 < 100 ms.
2. Memory: a fresh Python process runs a child writing 1 GiB to stdout against a 1 MiB cap;
   its peak RSS growth (ru_maxrss) across the call. Target < 8 MiB.
3. Overhead: `/bin/true` through `run_process` vs `subprocess.run(capture_output=True)`,
   interleaved in the same run, ratio of medians. Target < 1.5x.

`--check` exits 1 when a target is missed.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workers.limits import LIMIT, TIMEOUT, run_process  # noqa: E402

HUNG = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)\n"
MIB = 1024 * 1024


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def kill_latency(n: int = 50, budget_s: float = 0.2) -> dict[str, Any]:
    latencies = []
    cwd = str(ROOT)
    for _ in range(n):
        deadline = time.monotonic() + budget_s
        out = run_process([sys.executable, "-c", HUNG], cwd, deadline)
        latencies.append((time.monotonic() - deadline) * 1000)
        if out.status != TIMEOUT:
            raise SystemExit(f"expected a timeout, got {out.status}")
    return {
        "children": n,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "target_p99_ms": 100,
        "ok": percentile(latencies, 99) < 100,
    }


def rss_probe() -> None:
    """Runs in a fresh interpreter so ru_maxrss starts from this process's own baseline."""
    import resource

    cmd = ["sh", "-c", "head -c 1073741824 /dev/zero"]
    run_process(["true"], str(ROOT), None)  # warm imports and code paths
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out = run_process(cmd, str(ROOT), time.monotonic() + 120, MIB)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"status": out.status, "seen": out.stdout_seen, "growth": after - before}))


def memory_growth() -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--rss-probe"], capture_output=True, text=True, check=True
    )
    probe = json.loads(proc.stdout)
    if probe["status"] != LIMIT:
        raise SystemExit(f"expected the cap to stop the flood, got {probe['status']}")
    growth = int(probe["growth"])
    return {
        "child_writes_bytes": 1024 * MIB,
        "cap_bytes": MIB,
        "bytes_read": probe["seen"],
        "peak_rss_growth_bytes": growth,
        "target_bytes": 8 * MIB,
        "ok": growth < 8 * MIB,
    }


def overhead(n: int = 200) -> dict[str, Any]:
    true = "/bin/true" if os.path.exists("/bin/true") else "true"
    cwd = str(ROOT)
    ours, stdlib = [], []
    for _ in range(10):
        run_process([true], cwd, None)
        subprocess.run([true], capture_output=True, cwd=cwd)
    for _ in range(n):
        t0 = time.perf_counter()
        run_process([true], cwd, None)
        t1 = time.perf_counter()
        subprocess.run([true], capture_output=True, cwd=cwd)
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        stdlib.append(t2 - t1)
    ratio = statistics.median(ours) / statistics.median(stdlib)
    return {
        "calls": n,
        "run_process_median_us": round(statistics.median(ours) * 1e6, 1),
        "subprocess_run_median_us": round(statistics.median(stdlib) * 1e6, 1),
        "ratio": round(ratio, 3),
        "target_ratio": 1.5,
        "ok": ratio < 1.5,
    }


def main(argv: list[str]) -> int:
    if "--rss-probe" in argv:
        rss_probe()
        return 0
    results = {
        "kill_latency": kill_latency(),
        "memory": memory_growth(),
        "overhead": overhead(),
    }
    if "--json" in argv:
        print(json.dumps(results, indent=2))
    else:
        for name, values in results.items():
            verdict = "ok" if values["ok"] else "MISSED"
            detail = ", ".join(f"{k}={v}" for k, v in values.items() if k != "ok")
            print(f"{name:13} {verdict:6} {detail}")
    if "--check" in argv and not all(v["ok"] for v in results.values()):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
