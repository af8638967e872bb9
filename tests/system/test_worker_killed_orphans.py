"""A worker killed from outside (here: by its own scenario) leaves no host process behind:
its background services were reparented out of its tree when it died, and the pool finds
them by the mark every sandbox puts into their environment (regression: scripts/soak.py
counted 19 such orphans in 10 minutes)."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.clikit import scenario
from tests.system.test_process_containment import (
    DAEMON,
    PY,
    SLEEPER,
    gone,
    marked,
    marker,
    run_host,
    shell,
    spawn,
)


def test_a_killed_worker_takes_its_background_processes_with_it(tmp_path: Path) -> None:
    tag = marker()
    name = scenario(tmp_path, "killer", [
        shell(f'setsid {PY} -c "{SLEEPER}" "$1" >/dev/null 2>&1 &', tag),
        spawn(PY, "-c", DAEMON, tag),
        spawn("sh", "-c", "kill -KILL $PPID; sleep 5", expect_exit=None),
    ])
    r = run_host(tmp_path, "test", name, "--jobs", "1", "--json")
    doc = orjson.loads(r.stdout)
    assert [s["status"] for s in doc["scenarios"]] == ["crash"], doc
    assert gone(tag), [p.cmdline() for p in marked(tag)]
