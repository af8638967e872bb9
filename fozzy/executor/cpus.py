"""How many CPUs this process may really use: affinity mask and cgroup CPU quota both count,
so `--jobs` defaults to what a constrained CI runner actually grants."""

from __future__ import annotations

import math
import os
from pathlib import Path


def _cgroup_quota() -> int | None:
    try:
        text = Path("/sys/fs/cgroup/cpu.max").read_text().split()
    except OSError:
        return None
    if len(text) != 2 or text[0] == "max":
        return None
    try:
        quota, period = int(text[0]), int(text[1])
    except ValueError:
        return None
    return max(1, math.ceil(quota / period)) if period > 0 else None


def usable_cpus() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = _cgroup_quota()
    return max(1, min(n, quota) if quota is not None else n)
