"""Both SDKs' typed surface against the CLI itself: every command has a method, every method
takes exactly its command's flags (so a flag added to the CLI fails here until both SDKs
take it), the Python clients share the methods, and the new methods build the right argv."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from fozzy.cli.app import full_command_tree
from fozzy.sdk import AsyncFozzy, Fozzy
from fozzy.sdk.command import Command
from fozzy.sdk.surface import Surface

#: CLI commands that are another command under a second name.
ALIASES = {("steps",): ("schema",)}


def _leaves(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield path, cmd


def _cli() -> dict[str, Any]:
    return {"_".join(path): cmd for path, cmd in _leaves(full_command_tree())
            if path not in ALIASES}


def _methods() -> dict[str, Command[Any, Any]]:
    return {name: value for klass in Surface.__mro__ for name, value in vars(klass).items()
            if isinstance(value, Command)}


def test_every_cli_command_has_one_typed_method() -> None:
    assert sorted(_methods()) == sorted(_cli())


@pytest.mark.parametrize("name", sorted(_cli()))
def test_each_method_takes_exactly_its_commands_flags(name: str) -> None:
    cmd, method = _cli()[name], _methods()[name]
    params = inspect.signature(method.build).parameters.values()
    keywords = {"--" + p.name.rstrip("_").replace("_", "-")
                for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}
    positional = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    options = [p for p in cmd.params if p.param_type_name == "option" and p.name != "help"]
    arguments = [p for p in cmd.params if p.param_type_name == "argument"]
    spellings = [{o for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}
                 for p in options]
    unmatched = [sorted(s) for s in spellings if not s & keywords]
    extra = sorted(k for k in keywords
                   if not any(k in s for s in spellings))
    assert (unmatched, extra) == ([], []), f"{name}: CLI flags missing / SDK-only options"
    assert len(positional) == len(arguments), f"{name}: {positional} vs the CLI's arguments"


def test_both_clients_expose_the_same_methods() -> None:
    for name in _methods():
        sync, aio = (inspect.signature(getattr(c, name)) for c in (Fozzy(), AsyncFozzy()))
        assert sync.parameters == aio.parameters, name
        assert aio.return_annotation == f"Coroutine[Any, Any, {sync.return_annotation}]"
    assert inspect.signature(Fozzy().profile_diff).return_annotation == "ProfileDiff"


class Recording(Fozzy):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def command(self, args: Sequence[str]) -> Any:
        self.calls.append(list(args))
        return {"argv": list(args)}


class AsyncRecording(AsyncFozzy):
    async def command(self, args: Sequence[str], *, timeout: float | None = None) -> Any:
        return {"argv": list(args)}


def test_new_flags_of_existing_commands() -> None:
    fz = Recording()
    fz.run("a.fozzy.json", profile_capture="full", worker_mem_mb=64)
    fz.test(["a.fozzy.json"], profile_capture="full")
    fz.replay("a.fozzy", profile_capture="baseline")
    fz.fuzz("fn:t:f", compare_feedback=False, profile_cpu=True)
    fz.fuzz("fn:t:f", compare_feedback=True)
    fz.fuzz("fn:t:f")
    assert fz.calls == [
        ["run", "a.fozzy.json", "--worker-mem-mb", "64", "--profile-capture", "full"],
        ["test", "a.fozzy.json", "--profile-capture", "full"],
        ["replay", "a.fozzy", "--profile-capture", "baseline"],
        ["fuzz", "fn:t:f", "--no-compare-feedback", "--profile-cpu"],
        ["fuzz", "fn:t:f", "--compare-feedback"],
        ["fuzz", "fn:t:f"],
    ]


def test_profile_map_and_workflow_argv() -> None:
    fz = Recording()
    fz.profile_top("latest", cpu=True, sched=True, limit=3)
    fz.profile_flame("t.fozzy", heap=True, format="svg", out="f.svg")
    fz.profile_timeline("t.fozzy", format="html")
    fz.profile_diff("a,b", "c", latency=True)
    fz.profile_explain("c", diff_with="a,b")
    fz.profile_export("t.fozzy", format="pprof", out="p.pb.gz", cpu=True)
    fz.profile_shrink("t.fozzy", metric="cpu_time_ms", above=1.5, budget="5s", jobs=2)
    fz.profile_env()
    fz.profile_doctor("latest")
    fz.map_hotspots(root="src", min_risk=40, limit=5)
    fz.map_services(scenario_root="tests")
    fz.map_suites(profile="balanced", shrink_policy="exercised-ok", all_=True,
                  only_uncovered=True, max_matched_scenarios=3)
    fz.gate(scope=["kv", "net"], seed="0x10", skip_steps=["clean_tree"], step_timeout="9s")
    fz.full(fuzz_time="1s", allow_expected_failures=True, required_steps=["a", "b"],
            require_topology_coverage=".", topology_profile="overkill")
    assert fz.calls == [
        ["profile", "top", "latest", "--cpu", "--sched", "--limit", "3"],
        ["profile", "flame", "t.fozzy", "--heap", "--format", "svg", "--out", "f.svg"],
        ["profile", "timeline", "t.fozzy", "--format", "html"],
        ["profile", "diff", "a,b", "c", "--latency"],
        ["profile", "explain", "c", "--diff-with", "a,b"],
        ["profile", "export", "t.fozzy", "--format", "pprof", "--out", "p.pb.gz", "--cpu"],
        ["profile", "shrink", "t.fozzy", "--metric", "cpu_time_ms", "--above", "1.5",
         "--budget", "5s", "--jobs", "2"],
        ["profile", "env"],
        ["profile", "doctor", "latest"],
        ["map", "hotspots", "--root", "src", "--min-risk", "40", "--limit", "5"],
        ["map", "services", "--scenario-root", "tests"],
        ["map", "suites", "--profile", "balanced", "--shrink-policy", "exercised-ok", "--all",
         "--only-uncovered", "--max-matched-scenarios", "3"],
        ["gate", "--scope", "kv,net", "--seed", "0x10", "--skip-steps", "clean_tree",
         "--step-timeout", "9s"],
        ["full", "--fuzz-time", "1s", "--allow-expected-failures", "--required-steps", "a,b",
         "--require-topology-coverage", ".", "--topology-profile", "overkill"],
    ]


def test_async_methods_are_coroutines_of_the_same_call() -> None:
    call = AsyncRecording().profile_top("latest", heap=True)
    assert inspect.iscoroutine(call)
    assert asyncio.run(call) == {"argv": ["profile", "top", "latest", "--heap"]}
    assert Recording().profile_top("latest", heap=True) == asyncio.run(
        AsyncRecording().profile_top("latest", heap=True))


# The TypeScript SDK: the same comparison, read from its sources (the options are types, so
# only the source says which keys a method takes).
TS = Path(__file__).resolve().parents[2] / "sdk-ts" / "src"
#: Flags the TS SDK takes as positional parameters (the reference SDK's signatures).
TS_POSITIONAL_FLAGS = {"corpus_export": {"--out"}, "corpus_import": {"--out"},
                       "report_query": {"--path"}}
#: Option keys that are not flags: `test({scenarios})` holds the positional patterns.
TS_NOT_FLAGS = {"test": {"scenarios"}}
TS_RENAMES = {"flakeRuns": "flake-run"}
_METHOD = re.compile(r"^  (?:override )?(?:async )?([a-z]\w*)(?:<[^>]*>)?\((.*)\): Promise<",
                     re.M)
_INTERFACE = re.compile(r"^(?:export )?interface (\w+)(?: extends ([\w, ]+))? \{\n(.*?)^\}",
                        re.M | re.S)
_KEY = re.compile(r"(\w+)\??:")


def _snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)


def _ts_interfaces() -> dict[str, set[str]]:
    found = {m[1]: (m[2], m[3]) for m in _INTERFACE.finditer((TS / "options.ts").read_text())}

    def keys(name: str) -> set[str]:
        bases, body = found[name]
        own = {m[1] for line in body.splitlines() if (m := _KEY.match(line.strip()))}
        return own.union(*(keys(b.strip()) for b in (bases or "").split(",") if b.strip()))

    return {name: keys(name) for name in found}


def _ts_option_keys(params: str, interfaces: dict[str, set[str]]) -> set[str]:
    out: set[str] = set()
    for inline in re.findall(r"\{([^}]*)\}", params):
        out |= {m[1] for m in _KEY.finditer(inline)}
    for typename in re.findall(r"\b([A-Z]\w*Options|ProfileDomains)\b", params):
        out |= interfaces[typename]
    return out


def _ts_methods() -> dict[str, set[str]]:
    """The option keys of each TS method named after a CLI command."""
    interfaces, commands = _ts_interfaces(), _cli()
    methods = {}
    for source in ("index.ts", "analysis.ts"):
        for m in _METHOD.finditer((TS / source).read_text()):
            if (name := _snake(m[1])) in commands:
                methods[name] = _ts_option_keys(m[2], interfaces)
    return methods


def test_the_typescript_sdk_has_every_command() -> None:
    assert sorted(_ts_methods()) == sorted(_cli())


@pytest.mark.parametrize("name", sorted(_cli()))
def test_each_typescript_method_takes_exactly_its_commands_flags(name: str) -> None:
    keys = _ts_methods()[name] - TS_NOT_FLAGS.get(name, set())
    flags_ = {"--" + TS_RENAMES.get(k, _snake(k).replace("_", "-")) for k in keys}
    flags_ |= TS_POSITIONAL_FLAGS.get(name, set())
    spellings = [{o for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}
                 for p in _cli()[name].params
                 if p.param_type_name == "option" and p.name != "help"]
    unmatched = [sorted(s) for s in spellings if not s & flags_]
    extra = sorted(f for f in flags_
                   if not any(f in s for s in spellings))
    assert (unmatched, extra) == ([], []), f"{name}: CLI flags missing / TS-only options"
