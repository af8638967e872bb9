"""`fozzy full` on a fresh `fozzy init` project: wall time of the whole workflow.

    .venv/bin/python benchmarks/full_workflow.py [--json] [--check]

Creates a temp project with `fozzy init`, then times `fozzy --json full` (default flags:
`--scenario-root tests`, `--fuzz-time 2s`) and reports the total and the five slowest steps.
Target: under 60 s on the 2-core development machine (issue #15). Every step runs as its own
`python -m fozzy` child, so about a quarter of a second per step is interpreter start-up; the
fuzz step's budget plus its minimize pass is the largest single cost. --check exits 1 on a
miss.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import ensure_compiled

#: The workflow must fit a CI job's patience on a small runner.
TARGET_S = 60.0
#: Slow steps listed in the report.
SLOWEST = 5


def main() -> int:
    ensure_compiled()
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fozzy-bench-full-") as tmp:
        subprocess.run([sys.executable, "-m", "fozzy", "init"], cwd=tmp, check=True,
                       capture_output=True)
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "fozzy", "--json", "full"], cwd=Path(tmp),
                           capture_output=True, text=True, check=False)
        seconds = time.monotonic() - t0
    report = json.loads(r.stdout)
    steps = sorted(report["steps"], key=lambda s: -s["durationMs"])[:SLOWEST]
    doc = {"seconds": round(seconds, 2), "target_s": TARGET_S, "status": report["status"],
           "slowest": [{"name": s["name"], "ms": s["durationMs"]} for s in steps]}
    if args.json:
        print(json.dumps(doc))
    else:
        print(f"fozzy full on a fresh init: {seconds:.1f} s (target < {TARGET_S:g} s), "
              f"status {report['status']}")
        for s in doc["slowest"]:
            print(f"  {s['name']:<20} {s['ms']} ms")
    missed = seconds >= TARGET_S or report["status"] != "pass"
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
