"""A coordinator killed with SIGKILL while its workers run host steps: the workers end their
trees and exit without a traceback on the terminal they share with it (a worker finishing
its item finds the result pipe closed)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil

FOZZY = str(Path(sys.executable).parent / "fozzy")
WAIT_SECONDS = 60.0  #: bound for every poll; passing runs take a fraction of it


def marked(marker: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if marker in (p.info["cmdline"] or []) and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.Error:
            continue
    return found


def test_sigkilled_coordinator_leaves_no_traceback_and_no_process(tmp_path: Path) -> None:
    marker = f"300.{uuid.uuid4().int % 10**12:012d}"
    tests = tmp_path / "tests"
    tests.mkdir()
    for i in range(3):
        (tests / f"s{i}.fozzy.json").write_text(json.dumps({"version": 1, "name": f"s{i}",
            "steps": [{"type": "proc_spawn", "cmd": "sleep", "args": [marker]}]}))
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w") as err:
        proc = subprocess.Popen([FOZZY, "--json", "--proc-backend", "host", "test", "--jobs",
                                 "2"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + WAIT_SECONDS
    while len(marked(marker)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(marked(marker)) == 2, "the host processes never started"
    workers = psutil.Process(proc.pid).children()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=WAIT_SECONDS)
    _, alive = psutil.wait_procs(workers, timeout=WAIT_SECONDS)  # their last writes are done
    assert alive == []
    deadline = time.monotonic() + WAIT_SECONDS
    while marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marked(marker) == []
    assert "Traceback" not in err_path.read_text()
