"""`version`, `env`, `usage`: what fozzy is and what it will do here."""

from __future__ import annotations

import sys
from typing import Any

import typer

from fozzy.cli.context import G
from fozzy.cli.output import emit

_OS = {"darwin": "macos", "win32": "windows"}
_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}


def version_info() -> dict[str, Any]:
    """Package version only. The reference ran `git` in the user's working directory, which
    reports the user's repository, not fozzy's build (spec Appendix A.18)."""
    from fozzy import __version__

    return {"version": __version__}


def _capability(backend: str, deterministic: bool) -> dict[str, Any]:
    return {"backend": backend, "deterministic": deterministic}


def env_info() -> dict[str, Any]:
    """Effective capabilities as `run`/`test` would use them: CLI backend flags over config
    over defaults (the reference reported config only, spec Appendix A.18)."""
    import platform

    from workers.engine.rng import NAME as RNG_NAME

    b = G.backends()
    cfg = G.config
    machine = platform.machine().lower()
    return {
        "os": _OS.get(sys.platform, sys.platform),
        "arch": _ARCH.get(machine, machine),
        "python": platform.python_version(),
        "fozzy": version_info(),
        "capabilities": {
            "fs": _capability(
                "virtual_overlay" if b["fs"] == "virtual" else "host", b["fs"] == "virtual"
            ),
            "http": _capability(b["http"], b["http"] == "scripted"),
            "memory": _capability("deterministic_allocator", True),
            "net": _capability("simulated", True),
            "proc": _capability(b["proc"], b["proc"] == "scripted"),
            "rng": _capability(RNG_NAME, True),
            "time": _capability("virtual", True),
        },
        "limits": {
            "maxOutputBytes": cfg.max_output_bytes,
            "maxHttpBodyBytes": cfg.max_http_body_bytes,
        },
        "config": {"path": G.config_path, "loaded": cfg.loaded, "baseDir": cfg.base_dir},
    }


# Which command to reach for when. `usage` lists only the entries whose command this build
# registers, so it never advertises a command that does not exist.
USAGE_ITEMS = (
    ("fozzy init", "starting a project",
     "fozzy init [--with run,fuzz,explore,memory,host] [--template minimal|rust|ts]"),
    ("fozzy validate", "checking a scenario without running it", "fozzy validate FILE"),
    ("fozzy schema", "listing every step type and field", "fozzy schema --json"),
    ("fozzy run", "running one scenario", "fozzy run FILE --det --seed 7 [--record out.fozzy]"),
    ("fozzy test", "running a suite of scenarios", "fozzy test [PATH|GLOB...] --det --jobs 4"),
    ("fozzy replay", "reproducing a recorded run exactly", "fozzy replay TRACE"),
    ("fozzy trace verify", "checking a trace's integrity", "fozzy trace verify TRACE"),
    ("fozzy shrink", "minimizing a failing trace", "fozzy shrink TRACE --out min.fozzy"),
    ("fozzy fuzz", "searching inputs for failures", "fozzy fuzz scenario:FILE --time 30s"),
    ("fozzy explore", "searching distributed fault schedules",
     "fozzy explore FILE --schedule pct --faults crash-first"),
    ("fozzy corpus", "managing fuzz corpora", "fozzy corpus list DIR"),
    ("fozzy ci", "gating CI on a recorded trace", "fozzy ci TRACE"),
    ("fozzy doctor", "checking a scenario for nondeterminism",
     "fozzy doctor --deep --scenario FILE"),
    ("fozzy artifacts", "listing, exporting or bundling run artifacts",
     "fozzy artifacts ls latest"),
    ("fozzy report", "reading run reports", "fozzy report show latest"),
    ("fozzy memory", "inspecting simulated memory of a run", "fozzy memory top latest"),
    ("fozzy profile", "per-step time and host resource profiles", "fozzy profile top latest"),
    ("fozzy map", "finding risky source files and the fozzy suites that cover them",
     "fozzy map suites --root . --scenario-root tests"),
    ("fozzy full", "gating CI on every fozzy command over a scenario tree",
     "fozzy full --scenario-root . --require-topology-coverage ."),
    ("fozzy gate", "a deterministic gate over the scenarios a change touches",
     "fozzy gate --profile targeted --scope billing"),
    ("fozzy env", "seeing effective backends and limits", "fozzy env --json"),
    ("fozzy version", "printing the version", "fozzy version"),
    ("fozzy usage", "seeing which command to use when", "fozzy usage"),
)


def usage_info(registered: set[str]) -> dict[str, Any]:
    items = [
        {"command": c, "when": w, "how": h}
        for c, w, h in USAGE_ITEMS
        if c.split()[1] in registered
    ]
    return {"title": "fozzy CLI usage: which command to use when", "items": items}


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
    def usage(ctx: typer.Context) -> int:
        from typer.core import TyperGroup

        root = ctx.find_root()
        group = root.command
        info = usage_info(
            set(group.list_commands(root)) if isinstance(group, TyperGroup) else set()
        )
        if G.json:
            emit(info)
            return 0
        lines = [info["title"], ""]
        for it in info["items"]:
            lines += [it["command"], f"  when: {it['when']}", f"  how:  {it['how']}"]
        sys.stdout.write("\n".join(lines) + "\n")
        return 0
