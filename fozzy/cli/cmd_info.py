"""`version`, `env`, `usage`: what fozzy is and what it will do here."""

from __future__ import annotations

import platform
import sys
from typing import Any

import typer

from fozzy.cli.context import G
from fozzy.cli.output import emit

_OS = {"darwin": "macos", "win32": "windows"}
_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}


def version_info() -> dict[str, Any]:
    """Package version. No commit: we never run `git` in the user's working directory."""
    from fozzy import __version__

    return {"version": __version__}


def env_info() -> dict[str, Any]:
    """Effective capabilities: CLI backend flags over config over defaults, plus limits."""
    from workers.engine.rng import NAME as RNG_NAME

    b = G.backends()
    cfg = G.config
    return {
        "os": _OS.get(sys.platform, sys.platform if sys.platform != "linux" else "linux"),
        "arch": _ARCH.get(platform.machine().lower(), platform.machine().lower()),
        "python": platform.python_version(),
        "fozzy": version_info(),
        "capabilities": {
            "fs": {"backend": "virtual_overlay" if b["fs"] == "virtual" else "host",
                   "deterministic": b["fs"] == "virtual"},
            "http": {"backend": b["http"], "deterministic": b["http"] == "scripted"},
            "memory": {"backend": "deterministic_allocator", "deterministic": True},
            "net": {"backend": "simulated", "deterministic": True},
            "proc": {"backend": b["proc"], "deterministic": b["proc"] == "scripted"},
            "rng": {"backend": RNG_NAME, "deterministic": True},
            "time": {"backend": "virtual", "deterministic": True},
        },
        "limits": {
            "maxOutputBytes": cfg.max_output_bytes,
            "maxHttpBodyBytes": cfg.max_http_body_bytes,
        },
        "config": {"path": G.config_path, "loaded": cfg.loaded, "baseDir": cfg.base_dir},
    }


USAGE_ITEMS = [
    ("fozzy init", "starting a project", "fozzy init [--with run,memory,host,explore,fuzz]"),
    ("fozzy validate", "checking a scenario without running it", "fozzy validate FILE"),
    ("fozzy run", "running one scenario", "fozzy run FILE --det --seed 7 [--record out.fozzy]"),
    ("fozzy test", "running a suite in parallel", "fozzy test [GLOB...] --det --jobs 4"),
    ("fozzy replay", "reproducing a recorded run exactly", "fozzy replay TRACE"),
    ("fozzy trace verify", "checking a trace's integrity", "fozzy trace verify TRACE"),
    ("fozzy shrink", "minimizing a failing trace", "fozzy shrink TRACE --out min.fozzy"),
    ("fozzy fuzz", "searching inputs for failures", "fozzy fuzz scenario:FILE --time 30s"),
    ("fozzy explore", "searching distributed schedules", "fozzy explore FILE --schedule pct"),
    ("fozzy ci", "gating CI on a trace", "fozzy ci TRACE"),
    ("fozzy doctor", "checking determinism", "fozzy doctor --deep --scenario FILE"),
    ("fozzy artifacts", "listing or packing run artifacts", "fozzy artifacts ls latest"),
    ("fozzy report", "reading run reports", "fozzy report show latest"),
    ("fozzy memory", "inspecting simulated memory", "fozzy memory top latest"),
    ("fozzy env", "seeing effective backends and limits", "fozzy env --json"),
    ("fozzy version", "printing the version", "fozzy version"),
    ("fozzy schema", "listing every step type and field", "fozzy schema --json"),
]


def register(app: typer.Typer) -> None:
    @app.command("version", help="Print version information.")
    def version() -> int:
        emit(version_info())
        return 0

    @app.command("env", help="Effective backends, capabilities and limits.")
    def env() -> int:
        emit(env_info())
        return 0

    @app.command("usage", help="Which command to use when.")
    def usage() -> int:
        items = [{"command": c, "when": w, "how": h} for c, w, h in USAGE_ITEMS]
        if G.json:
            emit({"title": "fozzy usage", "items": items})
            return 0
        lines = ["fozzy usage", ""]
        for it in items:
            lines += [it["command"], f"  when: {it['when']}", f"  how:  {it['how']}"]
        sys.stdout.write("\n".join(lines) + "\n")
        return 0
