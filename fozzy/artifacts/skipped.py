"""The human listing of scenarios a suite selected but did not run, and why.

A skipped scenario is never silent (DECISIONS "test"): the pretty block names each one with
its reason (`filtered out by 'x'`, `distributed: use fozzy explore`, `interrupted`, …). A
filter over a large suite can skip thousands, so the listing is bounded and says how many it
left out; `--json` always lists them all.
"""

from __future__ import annotations

from typing import Any

#: Skipped scenarios named one per line before the rest are counted: enough to read every
#: skip of an ordinary suite, few enough that a narrow `--filter` over a huge tree stays short.
MAX_LISTED = 50


def skipped_lines(scenarios: list[dict[str, Any]] | None) -> list[str]:
    """`  SKIPPED path: reason` lines (no header), bounded by MAX_LISTED."""
    skipped = [s for s in scenarios or () if s["status"] == "skipped"]
    lines = [f"  SKIPPED {s['path']}: {s.get('reason') or 'not run'}"
             for s in skipped[:MAX_LISTED]]
    rest = len(skipped) - MAX_LISTED
    if rest > 0:
        lines.append(f"  … and {rest} more skipped (see --json)")
    return lines
