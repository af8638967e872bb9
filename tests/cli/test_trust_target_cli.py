"""Traces are data: an `fn:` trace runs its target only when the module is a project file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from fozzy.trace.checksum import seal

ROOT = Path(__file__).resolve().parents[2]
CRASHING = b"FZ\x07\x80\xad\xde\0\0".hex()


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The console script, not `python -m` (which would put the project's own `json.py` on
    fozzy's path)."""
    return subprocess.run([str(Path(sys.executable).parent / "fozzy"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def fuzz_trace(path: Path, target: str, input_hex: str) -> None:
    """A trace resealed exactly as the writer seals it (so only its content is under test)."""
    doc: dict[str, Any] = {
        "format": "fozzy-trace", "version": 4, "mode": "fuzz", "scenario_path": None,
        "scenario": None, "fuzz": {"target": target, "input_hex": input_hex},
        "decisions": [], "events": [],
        "summary": {"status": "fail", "mode": "fuzz", "identity": {"seed": 1},
                    "findings": [{"kind": "panic", "title": "ValueError", "message": "x"}]},
    }
    path.write_bytes(seal(doc)[0])


def test_resealed_os_system_trace_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    fuzz_trace(tmp_path / "evil.fozzy", "fn:os:system", f"touch {marker}".encode().hex())
    for argv in (["replay", "evil.fozzy"], ["ci", "evil.fozzy"],
                 ["shrink", "evil.fozzy", "--minimize", "input"]):
        proc = fozzy(tmp_path, *argv)
        assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
        assert "refusing to run fuzz target fn:os:system" in proc.stderr
        assert "--trust-target" in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not marker.exists()
    verify = fozzy(tmp_path, "--json", "trace", "verify", "evil.fozzy")
    report = json.loads(verify.stdout)
    assert (report["target"], report["target_file"], report["trusted"]) == (
        "fn:os:system", None, False)


def test_stdlib_and_outside_paths_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    project = tmp_path / "project"
    outside.mkdir()
    project.mkdir()
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", outside / "planted.py")
    (project / "json.py").write_text("def loads(b):\n    raise SystemExit(9)\n")
    (project / "link.py").symlink_to(outside / "planted.py")
    for target in ("fn:json:loads", "fn:../outside/planted.py:parse_header",
                   f"fn:{outside / 'planted.py'}:parse_header", "fn:link:parse_header",
                   "fn:subprocess:getoutput"):
        fuzz_trace(project / "t.fozzy", target, CRASHING)
        proc = fozzy(project, "replay", "t.fozzy")
        assert proc.returncode == 2 and "refusing to run" in proc.stderr, (target, proc.stderr)


def test_project_targets_run_and_trust_flag_overrides(tmp_path: Path) -> None:
    pkg = tmp_path / "lib" / "fuzz"
    pkg.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", pkg / "planted.py")
    shutil.copy(ROOT / "examples" / "fuzz" / "planted.py", tmp_path / "planted.py")
    for target in ("fn:lib.fuzz.planted:parse_header", "fn:planted.py:parse_header"):
        fuzz_trace(tmp_path / "t.fozzy", target, CRASHING)
        proc = fozzy(tmp_path, "--json", "replay", "t.fozzy")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        ci = json.loads(fozzy(tmp_path, "--json", "ci", "t.fozzy").stdout)
        assert ci["trusted"] is True and ci["target"] == target
        assert Path(ci["target_file"]).resolve().is_relative_to(tmp_path.resolve())
    fuzz_trace(tmp_path / "s.fozzy", "fn:string:capwords", "00")
    trusted = fozzy(tmp_path, "--json", "replay", "s.fozzy", "--trust-target")
    assert trusted.returncode in (0, 1), trusted.stderr
    assert "refusing" not in trusted.stderr
