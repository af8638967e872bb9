"""A small repository with every kind of degraded read `fozzy map` must report."""

from __future__ import annotations

import os
from pathlib import Path

import orjson

SERVER = b'''import threading
import subprocess
import socket

def main():
    threading.Thread(target=serve).start()

def serve():
    sock = socket.create_connection(("127.0.0.1", 80), timeout=3)
    for attempt in range(3):
        try:
            subprocess.run(["ls"], timeout=5)
        except OSError:
            if attempt == 2:
                raise
    if sock and attempt:
        pass
    while True:
        if sock:
            break
        elif attempt:
            continue
        else:
            return
'''
WORKER = b'''import asyncio

async def retry_job(q):
    while not q.empty():
        item = await q.get()
        if item is None:
            break
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            raise
'''
UNREADABLE_SOURCE = "src/billing/legacy.py"
NOT_JSON = "broken.fozzy.json"
INVALID = "typo.fozzy.json"
DECLARATION_ONLY = "decl.fozzy.json"
VALID = "billing-server.fozzy.json"


def _scenario(name: str, steps: list[dict[str, object]]) -> bytes:
    return orjson.dumps({"version": 1, "name": name, "steps": steps})


def build(root: Path) -> Path:
    """Sources under src/, scenarios under tests/; returns `root`."""
    billing = root / "src" / "billing"
    billing.mkdir(parents=True)
    (billing / "server.py").write_bytes(SERVER)
    (billing / "worker.py").write_bytes(WORKER)
    (root / UNREADABLE_SOURCE).write_bytes(b"x = 1\n\xff\xfe not utf-8\n")
    os.mkfifo(billing / "pipe.py")
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / ".venv" / "lib" / "hidden.py").write_bytes(SERVER)
    tests = root / "tests"
    tests.mkdir()
    (tests / VALID).write_bytes(_scenario("billing-server", [
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "get_kv_assert", "key": "k", "equals": "v"},
    ]))
    (tests / NOT_JSON).write_bytes(b"{ this is not json")
    (tests / INVALID).write_bytes(_scenario("billing-typo", [
        {"type": "set_kv", "key": "k", "valeu": "v"},
    ]))
    (tests / DECLARATION_ONLY).write_bytes(_scenario("billing-decl", [
        {"type": "proc_when", "cmd": "git", "exit_code": 0},
    ]))
    return root
