"""Process steps: `proc_when` declares a scripted result, `proc_spawn` runs a command.

`proc_spawn` picks its backend in one place (`_spawn`) from `rt.backends["proc"]`; the
backend produces a `ProcResult`, and the step then emits the shared events and runs the
`expect_*` checks, so every backend is judged the same way. The scripted backend (default)
never starts a process: it answers from the first matching `proc_when` rule and logs the
answer as a `proc_spawn` decision. Other backends (`"host"`, `"replay"`) register a
`Spawner` in `SPAWN_BACKENDS`; until they do, selecting one fails the step with checker
`backend_unavailable`. `match_proc_rule` is the one rule-matching function for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workers.engine.findings import StepFailed, assertion, checker
from workers.engine.quote import q
from workers.engine.runtime import Runtime
from workers.steps.registry import CheckError, Role, Step, T, opt, req, step
from workers.steps.time import check_durations

ProcRule = dict[str, Any]

PREVIEW_LIMIT = 16 * 1024
TRUNCATED = "...[truncated]"


@dataclass(frozen=True, slots=True)
class ProcResult:
    """A finished (or recorded) process: what the checks and events are computed from."""

    exit_code: int
    stdout: str
    stderr: str
    duration_ms: int
    completion_boundary: str


Spawner = Callable[[Runtime, Step], ProcResult]


def preview(text: str) -> str:
    """Event-sized output: longer than 16 KiB (UTF-8) keeps the first 16,384 characters."""
    if len(text.encode()) <= PREVIEW_LIMIT:
        return text
    return text[:PREVIEW_LIMIT] + TRUNCATED


def match_proc_rule(rules: list[ProcRule], cmd: str, args: list[str]) -> ProcRule | None:
    """The first rule with uses left whose cmd and args equal the spawn's exactly (no
    wildcards: a rule without args matches only a spawn without args)."""
    for rule in rules:
        remaining = rule["remaining"]
        if (remaining is None or remaining > 0) and rule["cmd"] == cmd and rule["args"] == args:
            return rule
    return None


def consume(rule: ProcRule) -> None:
    """Use a rule once; unlimited rules (`remaining` None) are never decremented."""
    if rule["remaining"] is not None:
        rule["remaining"] -= 1


@step(
    "proc_when",
    req("cmd", T.STR, Role.ORACLE),
    opt("args", T.STR_LIST, Role.ORACLE, default=[]),
    req("exit_code", T.I32, Role.ORACLE),
    opt("stdout", T.STR, Role.ORACLE, default=""),
    opt("stderr", T.STR, Role.ORACLE, default=""),
    opt("times", T.U64, Role.ORACLE),
    declaration=True,
    example={
        "type": "proc_when", "cmd": "git", "args": ["rev-parse", "HEAD"], "exit_code": 0,
        "stdout": "deadbeef\n", "times": 1,
    },
    notes=(
        "use `exit_code` (not `exit`); args must equal the spawn's args exactly ([] matches only"
        " no args); `times` defaults to unlimited and 0 never matches"
    ),
)
def proc_when(rt: Runtime, s: Step) -> None:
    rt.proc_rules.append({
        "cmd": s["cmd"],
        "args": list(s["args"]),
        "exit_code": s["exit_code"],
        "stdout": s["stdout"],
        "stderr": s["stderr"],
        "remaining": s["times"],
    })


def _unmatched(rt: Runtime, cmd: str, args: list[str]) -> StepFailed:
    idx = rt.step_index
    where = rt.scenario_path if rt.scenario_path is not None else "<inline scenario>"
    message = (
        f"Strict proc backend blocked an undeclared subprocess for `cmd={cmd}` before step"
        f" #{idx + 1} (`proc_spawn`) in {where}. Add a matching `proc_when` step or opt into"
        " host proc execution intentionally."
    )
    location: dict[str, Any] = {}
    if rt.scenario_path is not None:
        location["file"] = rt.scenario_path
    location["details"] = {
        "command": cmd,
        "args": list(args),
        "scenarioPath": rt.scenario_path,
        "stepIndex": idx,
        "suggestedProcWhen": {
            "type": "proc_when", "cmd": cmd, "args": list(args), "exit_code": 0,
            "stdout": "", "stderr": "", "times": 1,
        },
    }
    return assertion("proc_unmatched", message, location)


def scripted_spawn(rt: Runtime, s: Step) -> ProcResult:
    """Answer from the first matching rule; no process starts and no time passes."""
    cmd, args = s["cmd"], s["args"]
    rule = match_proc_rule(rt.proc_rules, cmd, args)
    if rule is None:
        raise _unmatched(rt, cmd, args)
    consume(rule)
    rt.decide({
        "kind": "proc_spawn",
        "cmd": cmd,
        "args": list(args),
        "exit_code": rule["exit_code"],
        "stdout": rule["stdout"],
        "stderr": rule["stderr"],
        "peak_rss_bytes": 0,
        "rss_sample_count": 0,
        "duration_ms": 0,
    })
    return ProcResult(rule["exit_code"], rule["stdout"], rule["stderr"], 0, "process_exit")


SPAWN_BACKENDS: dict[str, Spawner] = {"scripted": scripted_spawn}


def _spawn(rt: Runtime, s: Step) -> ProcResult:
    name = rt.backends["proc"]
    spawner = SPAWN_BACKENDS.get(name)
    if spawner is None:
        raise checker("backend_unavailable", f"proc backend {q(name)} is not available")
    return spawner(rt, s)


_check_timeout = check_durations("timeout")


def _check_spawn(s: Step) -> None:
    """exec cannot pass a NUL inside the command or an argument, so such a step could never
    run: invalid (and a fuzz mutant that makes one is never executed)."""
    _check_timeout(s)
    for i, arg in enumerate([s["cmd"], *(s.get("args") or ())]):
        if "\0" in arg:
            field = "cmd" if i == 0 else f"args/{i - 1}"
            raise CheckError(field, "contains a NUL byte, which no process argument can hold",
                             category="invalid argument")


@step(
    "proc_spawn",
    req("cmd", T.STR),
    opt("args", T.STR_LIST, Role.INPUT, default=[]),
    opt("expect_exit", T.I32, Role.ORACLE),
    opt("expect_stdout", T.STR, Role.ORACLE),
    opt("expect_stderr", T.STR, Role.ORACLE),
    opt("save_stdout_as", T.STR),
    opt("timeout", T.DURATION),
    check=_check_spawn,
    example={
        "type": "proc_spawn", "cmd": "git", "args": ["rev-parse", "HEAD"], "expect_exit": 0,
        "save_stdout_as": "sha",
    },
    notes=(
        "scripted backend (default) needs a matching proc_when declared earlier; omitted"
        " expectations are not asserted; save_stdout_as stores stdout after all checks pass;"
        " timeout bounds a host process (the process tree is killed, the run times out)"
    ),
)
def proc_spawn(rt: Runtime, s: Step) -> None:
    res = _spawn(rt, s)
    out_bytes, err_bytes = len(res.stdout.encode()), len(res.stderr.encode())
    rt.emit("proc_spawn", {
        "backend": rt.backends["proc"],
        "cmd": s["cmd"],
        "completion_boundary": res.completion_boundary,
        "exit_code": res.exit_code,
        "request_kind": "process_spawn",
        "stderr": preview(res.stderr),
        "stderr_bytes": err_bytes,
        "stdout": preview(res.stdout),
        "stdout_bytes": out_bytes,
    })
    rt.emit("capability_proc", {
        "cmd": s["cmd"],
        "duration_ms": res.duration_ms,
        "op": "spawn",
        "payload_bytes": out_bytes + err_bytes,
    })
    if s["expect_exit"] is not None and res.exit_code != s["expect_exit"]:
        raise assertion("proc_exit", f"expected exit {s['expect_exit']}, got {res.exit_code}")
    if s["expect_stdout"] is not None and res.stdout != s["expect_stdout"]:
        raise assertion("proc_stdout", "proc stdout mismatch")
    if s["expect_stderr"] is not None and res.stderr != s["expect_stderr"]:
        raise assertion("proc_stderr", "proc stderr mismatch")
    if s["save_stdout_as"] is not None:
        rt.kv[s["save_stdout_as"]] = res.stdout
