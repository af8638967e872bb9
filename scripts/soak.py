#!/usr/bin/env python3
"""The containment fault campaign (#13) as a script anyone can run.

Round after round it picks a fault at random and checks what must hold afterwards:

- coordinator kills: `fozzy test --record` on host scenarios (long sleeps, `setsid` and
  double-forked daemons) killed with SIGKILL/SIGTERM/SIGINT at a random moment;
- worker kills: a random worker of a running suite SIGKILLed; the suite still answers;
- concurrent writers: several `fozzy run --record` appending into one directory and one
  base_dir at once; every successful run's trace and run directory must be there, intact;
- hostile inputs: generated scenarios, traces, configs and corpus zips (truncated, flipped,
  huge numbers, deep nesting, FIFOs) fed to validate / run / trace verify / corpus import;
- (as root, where mount works) a full tmpfs as base_dir.

Figures printed at the end — inputs tried, tracebacks, orphans, lost or corrupted entries,
stale locks, bad exits — must all be 0 (inputs tried aside); exit 1 otherwise.

    .venv/bin/python scripts/soak.py --short        # about 2 minutes
    .venv/bin/python scripts/soak.py --minutes 10   # the long campaign
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

FOZZY = str(Path(sys.executable).parent / "fozzy")
#: Exits a fozzy command may end with (docs/usage.md "Exit codes"), plus a SIGKILL death.
DOCUMENTED = {0, 1, 2, 3, 4, 129, 130, 143}
#: How long a killed coordinator's processes get to disappear before they count as orphans.
SETTLE_SECONDS = 10.0
#: Bound for any one fozzy command; longer is a hang and counts as a bad exit.
COMMAND_SECONDS = 120
SHORT_SECONDS = 100
#: Generated hostile files fed to fozzy in one hostile-inputs round.
HOSTILE_PER_ROUND = 12


class Soak:
    def __init__(self, work: Path, rng: random.Random) -> None:
        self.work = work
        self.rng = rng
        self.figures: Counter[str] = Counter()
        self.notes: list[str] = []
        self.marker = f"300.{os.getpid()}{rng.randrange(10**6):06d}"

    # -- bookkeeping -----------------------------------------------------------------------
    def problem(self, figure: str, detail: str) -> None:
        self.figures[figure] += 1
        if len(self.notes) < 40:
            self.notes.append(f"{figure}: {detail}")

    def check_output(self, what: str, code: int | None, out: str, err: str,
                     allowed: set[int] = DOCUMENTED) -> None:
        if "Traceback" in out + err:
            at = (out + err).find("Traceback")
            self.problem("tracebacks", f"{what}: {(out + err)[at:][-600:]!r}")
        if code not in allowed:
            self.problem("bad exits", f"{what}: exit {code}: {err[-200:]!r}")

    def fozzy(self, cwd: Path, *args: str, what: str = "") -> subprocess.CompletedProcess[str]:
        self.figures["inputs tried"] += 1
        try:
            r = subprocess.run([FOZZY, *args], cwd=cwd, capture_output=True, text=True,
                               timeout=COMMAND_SECONDS, stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired as e:
            self.problem("bad exits", f"{what or args}: no answer in {COMMAND_SECONDS} s")
            return subprocess.CompletedProcess(args, -1, str(e.stdout or ""), "")
        self.check_output(what or " ".join(args[:3]), r.returncode, r.stdout, r.stderr)
        return r

    def ours(self) -> list[psutil.Process]:
        """Processes carrying this campaign's marker: what a scenario started."""
        found = []
        for p in psutil.process_iter(["cmdline"]):
            try:
                if any(self.marker in a for a in p.info["cmdline"] or []):
                    found.append(p)
            except psutil.Error:
                continue
        return found

    def settle_orphans(self, what: str) -> None:
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            alive = [p for p in self.ours() if _alive(p)]
            if not alive:
                return
            time.sleep(0.2)
        for p in alive:
            self.problem("orphans", f"{what}: pid {p.pid} {' '.join(p.cmdline())[:100]}")
            try:
                p.kill()
            except psutil.Error:
                continue

    def stale_locks(self, root: Path, what: str) -> None:
        """A reservation lock left behind (a SIGKILLed writer cannot remove its own) is only
        stale if it blocks: the next writer, as `--record-collision overwrite` does, must get
        the name at once. Run after every process of the round has ended."""
        from fozzy.errors import FozzyError
        from fozzy.trace.writer import release_target, resolve_target

        for lock in root.rglob("*.lock"):
            if lock.name.endswith("run-alias-index.json.lock"):
                continue  # the alias index's flock file is meant to stay
            target = lock.with_name(lock.name[: -len(".lock")])
            try:
                release_target(resolve_target(target, "overwrite"))
            except FozzyError as e:
                self.problem("stale locks", f"{what}: {lock}: {e}")
                lock.unlink(missing_ok=True)

    def check_traces(self, directory: Path, what: str) -> None:
        from fozzy.errors import FozzyError
        from fozzy.trace.verify import verify_trace

        for trace in directory.glob("*.fozzy"):
            try:
                ok = verify_trace(trace, strict=False)["ok"]
            except FozzyError as e:
                ok, trace = False, Path(f"{trace} ({e})")
            if not ok:
                self.problem("corrupted entries", f"{what}: {trace}")

    # -- scenarios -------------------------------------------------------------------------
    def suite(self, cwd: Path, n: int) -> None:
        m = self.marker
        kinds = [
            [{"type": "trace_event", "name": "quick"}],
            [{"type": "proc_spawn", "cmd": "sleep", "args": [m]}],
            [{"type": "proc_spawn", "cmd": "sh", "args": ["-c", f"setsid sleep {m} & exit 0"]}],
            [{"type": "proc_spawn", "cmd": "sh",
              "args": ["-c", f"(sh -c 'sleep {m}' &) ; exit 0"]}],
            [{"type": "proc_spawn", "cmd": "sh", "args": ["-c", "sleep 0.3"]}],
        ]
        tests = cwd / "tests"
        tests.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            doc = {"version": 1, "name": f"s{i}", "steps": self.rng.choice(kinds)}
            (tests / f"s{i}.fozzy.json").write_text(json.dumps(doc))

    def start_suite(self, cwd: Path, *extra: str) -> subprocess.Popen[str]:
        self.figures["inputs tried"] += 1
        return subprocess.Popen(
            [FOZZY, "--json", "--proc-backend", "host", "test", "--jobs", "2", "--timeout",
             "3s", *extra], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, stdin=subprocess.DEVNULL)

    # -- faults ----------------------------------------------------------------------------
    def kill_coordinator(self, cwd: Path) -> None:
        self.suite(cwd, self.rng.randint(2, 8))
        sig = self.rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
        proc = self.start_suite(cwd, "--record", "traces/t.fozzy", "--record-collision",
                                "append")
        # Not before the interpreter is up: a signal during CPython's own initialisation
        # (before any fozzy code runs) gets the default action, which fozzy cannot change.
        time.sleep(self.rng.uniform(0.2, 3.0))
        proc.send_signal(sig)
        out, err = _communicate(proc)
        # Killed by the very signal sent (it landed before fozzy's handlers were installed):
        # what a shell reports as 128 + signal, like the handled exit.
        allowed = DOCUMENTED | {-sig}
        self.check_output(f"test killed by {sig.name}", proc.returncode, out, err, allowed)
        self.settle_orphans(f"coordinator {sig.name}")
        self.check_traces(cwd / "traces", f"coordinator {sig.name}")
        self.stale_locks(cwd, f"coordinator {sig.name}")

    def kill_worker(self, cwd: Path) -> None:
        self.suite(cwd, self.rng.randint(3, 8))
        proc = self.start_suite(cwd)
        deadline = time.monotonic() + self.rng.uniform(0.2, 3.0)
        victim = None
        while time.monotonic() < deadline and proc.poll() is None:
            kids = _children(proc.pid)
            if kids:
                victim = self.rng.choice(kids)
            time.sleep(0.05)
        if victim is not None:
            with contextlib.suppress(psutil.Error):
                victim.send_signal(signal.SIGKILL)
        out, err = _communicate(proc)
        self.check_output("test with a killed worker", proc.returncode, out, err)
        if proc.returncode in (0, 1, 3, 4) and not _json(out):
            self.problem("lost entries", "test with a killed worker printed no report")
        self.settle_orphans("worker SIGKILL")
        self.stale_locks(cwd, "worker SIGKILL")

    def concurrent_writers(self, cwd: Path) -> None:
        (cwd / "w.fozzy.json").write_text(json.dumps(
            {"version": 1, "name": "w", "steps": [{"type": "trace_event", "name": "x"}]}))
        n = self.rng.randint(3, 6)
        procs = [subprocess.Popen(
            [FOZZY, "--json", "run", "w.fozzy.json", "--record", "shared/w.fozzy",
             "--record-collision", "append"], cwd=cwd, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL) for _ in range(n)]
        self.figures["inputs tried"] += n
        for p in procs:
            out, err = _communicate(p)
            self.check_output("concurrent run --record", p.returncode, out, err)
            doc = _json(out)
            if p.returncode != 0 or doc is None:
                continue
            ident = doc.get("identity", {})
            for key in ("tracePath", "reportPath"):
                if not Path(ident.get(key) or "/nonexistent").is_file():
                    self.problem("lost entries", f"concurrent run: {key} {ident.get(key)}")
            try:
                json.loads(Path(ident.get("reportPath") or "/nonexistent").read_text())
            except (OSError, ValueError) as e:
                self.problem("corrupted entries", f"concurrent run report: {e}")
        self.check_traces(cwd / "shared", "concurrent writers")
        self.stale_locks(cwd, "concurrent writers")

    def hostile_inputs(self, cwd: Path) -> None:
        for _ in range(HOSTILE_PER_ROUND):
            name, data = self.rng.choice(self.hostile_files())
            path = cwd / name
            path.write_bytes(data)
            cmd = self.rng.choice(_COMMANDS[path.suffix])
            self.fozzy(cwd, "--json", *cmd(name), what=f"{cmd(name)[0]} on {name}")
            path.unlink(missing_ok=True)
        fifo = cwd / "f.fozzy.json"
        os.mkfifo(fifo)
        self.fozzy(cwd, "--json", "validate", fifo.name, what="validate a FIFO")
        fifo.unlink()
        self.settle_orphans("hostile inputs")

    def hostile_files(self) -> list[tuple[str, bytes]]:
        base = json.dumps({"version": 1, "name": "h", "steps": [
            {"type": "set_kv", "key": "k", "value": "v"},
            {"type": "get_kv_assert", "key": "k", "equals": "v"}]}).encode()
        deep = b'{"version":1,"name":"d","steps":' + b"[" * 5000 + b"]" * 5000 + b"}"
        huge = base.replace(b'"version": 1', b'"version": 18446744073709551616')
        cluster = json.dumps({"version": 1, "name": "c", "distributed": {
            "node_count": self.rng.choice([0, -1, 10**12, 3]), "steps": []}}).encode()
        config = self.rng.choice([b"[limits]\nsteps = -1\n", b"base_dir = \"a\\u0000b\"\n",
                                  b"[limits\n", b"jobs = 99999999999999999999999\n"])
        return [
            ("t1.fozzy.json", _mangle(self.rng, base)),
            ("t2.fozzy.json", self.rng.choice([deep, huge, cluster])),
            ("t3.fozzy", _mangle(self.rng, _sealed_trace(self.work))),
            ("c.zip", _hostile_zip(self.rng)),
            ("fozzy.toml", config),
        ]

    def full_tmpfs(self) -> None:
        if os.geteuid() != 0:
            self.notes.append("note: full-tmpfs round skipped (not root)")
            return
        mnt = self.work / "tmpfs"
        mnt.mkdir(exist_ok=True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                          capture_output=True, check=False).returncode != 0:
            self.notes.append("note: full-tmpfs round skipped (mount refused)")
            return
        try:
            filler = mnt / "filler"
            with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * 4096)
            cwd = self.work / "tmpfs-run"
            cwd.mkdir(exist_ok=True)
            (cwd / "fozzy.toml").write_text(f'base_dir = "{mnt / "base"}"\n')
            (cwd / "w.fozzy.json").write_text(json.dumps(
                {"version": 1, "name": "w", "steps": [{"type": "trace_event", "name": "x"}]}))
            self.fozzy(cwd, "--json", "run", "w.fozzy.json", "--record",
                       str(mnt / "t.fozzy"), what="run onto a full tmpfs")
            self.stale_locks(mnt, "full tmpfs")
            zero = [p for p in mnt.rglob("*") if p.is_file() and p != filler
                    and p.stat().st_size == 0]
            for p in zero:
                self.problem("corrupted entries", f"full tmpfs: empty file {p}")
            self.figures["rounds: full_tmpfs"] += 1
        finally:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True, check=False)

    # -- the campaign ----------------------------------------------------------------------
    def run(self, seconds: float) -> None:
        faults: list[Callable[[Path], None]] = [
            self.kill_coordinator, self.kill_worker, self.concurrent_writers,
            self.hostile_inputs]
        self.full_tmpfs()
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            fault = self.rng.choice(faults)
            cwd = self.work / f"round-{n}"
            cwd.mkdir()
            fault(cwd)
            self.figures[f"rounds: {fault.__name__}"] += 1
            n += 1


def _alive(p: psutil.Process) -> bool:
    try:
        return bool(p.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _children(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children())
    except psutil.Error:
        return []


def _communicate(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=COMMAND_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return out, err + f"\n(no answer in {COMMAND_SECONDS} s)"


def _json(out: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(out)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _mangle(rng: random.Random, data: bytes) -> bytes:
    """A random corruption: truncate, flip bytes, duplicate a slice or splice in junk."""
    b = bytearray(data)
    how = rng.randrange(4)
    if how == 0 and b:
        del b[rng.randrange(len(b)):]
    elif how == 1:
        for _ in range(rng.randint(1, 8)):
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
    elif how == 2 and b:
        i = rng.randrange(len(b))
        b[i:i] = b[i: i + rng.randint(1, 64)] * rng.randint(1, 50)
    else:
        i = rng.randrange(len(b) + 1)
        b[i:i] = rng.choice([b"\x00", b'"\ud800"', b"1e999999", b"-0", b"{}" * 100])
    return bytes(b)


_TRACE: list[bytes] = []


def _sealed_trace(work: Path) -> bytes:
    """One real trace to corrupt, recorded once per campaign."""
    if not _TRACE:
        d = work / "seed-trace"
        d.mkdir(exist_ok=True)
        (d / "s.fozzy.json").write_text(json.dumps(
            {"version": 1, "name": "s", "steps": [{"type": "trace_event", "name": "x"}]}))
        subprocess.run([FOZZY, "run", "s.fozzy.json", "--record", "s.fozzy"], cwd=d,
                       capture_output=True, timeout=COMMAND_SECONDS, check=False)
        _TRACE.append((d / "s.fozzy").read_bytes() if (d / "s.fozzy").is_file() else b"{}")
    return _TRACE[0]


def _hostile_zip(rng: random.Random) -> bytes:
    path = Path(tempfile.mkstemp(suffix=".zip")[1])
    try:
        with zipfile.ZipFile(path, "w") as z:
            names = rng.choice([["../escape.bin"], ["x", "x/y.bin"], ["/abs.bin"],
                                ["a/" * 300 + "deep.bin"], [f"e{i}.bin" for i in range(50)]])
            for name in names:
                z.writestr(name, b"data")
        data = path.read_bytes()
    finally:
        path.unlink()
    return _mangle(rng, data) if rng.random() < 0.3 else data


_COMMANDS: dict[str, list[Callable[[str], list[str]]]] = {
    ".json": [lambda n: ["validate", n], lambda n: ["run", n]],
    ".fozzy": [lambda n: ["trace", "verify", n], lambda n: ["replay", n]],
    ".zip": [lambda n: ["corpus", "import", n, "--dir", "corp"]],
    ".toml": [lambda n: ["validate", "nothing.fozzy.json"]],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--short", action="store_true", help="About two minutes (CI).")
    mode.add_argument("--minutes", type=float, metavar="N", help="Run the campaign N minutes.")
    parser.add_argument("--seed", type=int, help="Campaign seed (default: random, printed).")
    args = parser.parse_args(argv)
    seconds = SHORT_SECONDS if args.short or args.minutes is None else args.minutes * 60
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"soak: seed {seed}, {seconds:.0f} s", flush=True)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fozzy-soak-") as tmp:
        soak = Soak(Path(tmp), random.Random(seed))
        soak.run(seconds)
    figures = soak.figures
    must_be_zero = ["tracebacks", "orphans", "lost entries", "corrupted entries",
                    "stale locks", "bad exits"]
    print(f"soak: {time.monotonic() - t0:.0f} s, seed {seed}")
    print(f"  inputs tried       {figures['inputs tried']}")
    for key in must_be_zero:
        print(f"  {key:<18} {figures[key]}")
    for key in sorted(k for k in figures if k.startswith("rounds: ")):
        print(f"  {key:<34} {figures[key]}")
    for note in soak.notes:
        print(f"  {note}")
    return 1 if any(figures[k] for k in must_be_zero) else 0


if __name__ == "__main__":
    sys.exit(main())
