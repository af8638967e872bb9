"""Host processes are scenario-scoped (issue 13): `setsid` children and double-forked daemons a
host proc step leaves behind end when the scenario ends — a service started in step 1 still
serves step 2 — and none survives a coordinator killed by SIGKILL or stopped by SIGTERM.

Every test marks its processes with a unique argv marker and looks only at processes that
carry it, so parallel runs and other tests cannot confuse it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import psutil
import pytest

from tests.cli.clikit import fozzy, scenario

PY = sys.executable
#: Bounded wait for processes to go (or to appear); never a timing assertion.
WAIT_S = 20.0

SLEEPER = "import time; time.sleep(300)"
DAEMON = """
import os, sys, time
if os.fork():
    sys.exit(0)
os.setsid()
if os.fork():
    sys.exit(0)
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
time.sleep(300)
"""
def marker() -> str:
    return f"fozzy-contain-{uuid.uuid4().hex}"


def marked(tag: str) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        cmdline = p.info["cmdline"] or []
        if tag in cmdline and p.status() != psutil.STATUS_ZOMBIE:
            out.append(p)
    return out


def wait_until(check: Any) -> bool:
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def gone(tag: str) -> bool:
    return wait_until(lambda: not marked(tag))


def spawn(cmd: str, *args: str, expect_exit: int | None = 0) -> dict[str, Any]:
    step: dict[str, Any] = {"type": "proc_spawn", "cmd": cmd, "args": list(args)}
    if expect_exit is not None:
        step["expect_exit"] = expect_exit
    return step


def shell(script: str, tag: str) -> dict[str, Any]:
    return spawn("sh", "-c", script, "sh", tag)


def probe(tag: str, want: bool) -> dict[str, Any]:
    """A step that passes when a process marked `tag` is (`want`) or is not running. It is
    given the tag with a prefix, so it never counts itself."""
    code = (
        "import psutil, sys\n"
        "tag = sys.argv[1].removeprefix('probe:')\n"
        "found = any(tag in (p.info['cmdline'] or []) for p in psutil.process_iter(['cmdline']))\n"
        f"sys.exit(0 if found == {want} else 1)\n"
    )
    return spawn(PY, "-c", code, f"probe:{tag}")


def run_host(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return fozzy(root, "--proc-backend", "host", *args)


def test_a_setsid_background_process_ends_with_its_scenario(tmp_path: Path) -> None:
    tag = marker()
    first = scenario(tmp_path, "a-first", [
        shell(f'setsid {PY} -c "{SLEEPER}" "$1" >/dev/null 2>&1 & exit 0', tag),
        shell(f'setsid {PY} -c "{SLEEPER}" "$1" & exit 0', tag),
    ])
    second = scenario(tmp_path, "b-second", [probe(tag, want=False)])
    r = run_host(tmp_path, "test", first, second, "--jobs", "1", "--json")
    assert gone(tag), [p.cmdline() for p in marked(tag)]
    doc = orjson.loads(r.stdout)
    by_name = {s["path"].split("/")[-1]: s for s in doc["scenarios"]}
    assert by_name[second]["status"] == "pass", doc


def test_the_literal_setsid_sleep_does_not_survive(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    name = scenario(tmp_path, "sleep", [
        spawn("sh", "-c", f"setsid sleep 300 & echo $! > {pidfile}; exit 0", expect_exit=None)])
    run_host(tmp_path, "run", name, "--json")
    pid = int(pidfile.read_text())

    def dead() -> bool:
        try:
            p = psutil.Process(pid)
            return p.status() == psutil.STATUS_ZOMBIE or p.name() != "sleep"
        except psutil.NoSuchProcess:
            return True

    assert wait_until(dead)


def test_a_double_forked_daemon_ends_with_its_scenario(tmp_path: Path) -> None:
    tag = marker()
    first = scenario(tmp_path, "a-daemon", [spawn(PY, "-c", DAEMON, tag), probe(tag, True)])
    second = scenario(tmp_path, "b-after", [probe(tag, want=False)])
    r = run_host(tmp_path, "test", first, second, "--jobs", "1", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert gone(tag)


def test_a_service_from_step_one_serves_step_two_then_ends(tmp_path: Path) -> None:
    tag = marker()
    name = scenario(tmp_path, "service", [
        shell(f'{PY} -c "{SLEEPER}" "$1" >/dev/null 2>&1 &', tag),
        {"type": "sleep", "duration": "50ms"},
        probe(tag, want=True),
        probe(tag, want=True),
    ])
    r = run_host(tmp_path, "run", name, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert gone(tag)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_no_host_process_survives_a_killed_coordinator(tmp_path: Path, sig: int) -> None:
    tag = marker()
    for i in range(2):
        scenario(tmp_path, f"long{i}", [
            spawn(PY, "-c", DAEMON, tag),
            shell(f'setsid {PY} -c "{SLEEPER}" "$1" >/dev/null 2>&1 & exit 0', tag),
            spawn(PY, "-c", SLEEPER, tag),
        ])
    coordinator = subprocess.Popen(
        [PY, "-m", "fozzy", "--proc-backend", "host", "test", ".", "--jobs", "2"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: len(marked(tag)) >= 6), [p.cmdline() for p in marked(tag)]
        os.kill(coordinator.pid, sig)
        coordinator.wait(timeout=WAIT_S)
    finally:
        if coordinator.poll() is None:
            coordinator.kill()
            coordinator.wait()
    survivors = marked(tag)
    assert gone(tag), [(p.pid, p.ppid()) for p in survivors]
