"""The `extended_surface` phase of `full`: fuzz, explore, corpus, host backends, env."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from fozzy.workflows.checks import document, failed, passed, run_like, tooling
from fozzy.workflows.child import ChildResult
from fozzy.workflows.context import Context, is_host
from fozzy.workflows.engine import Command, Plan, Skip, Verdict
from fozzy.workflows.surface import fozzy, no_steps

#: Content of the seed file the corpus steps add, export and import.
CORPUS_SEED = b"fozzy-corpus-seed"
#: A distributed scenario whose name has this word checks invariants on purpose; avoid it.
CHECKER_WORD = "checkers"


@dataclass(frozen=True)
class Extended:
    fuzz_time_ms: int = 2000
    explore_steps: int = 200
    explore_nodes: int = 3


def fuzz(opts: Extended) -> Callable[[Context], Plan]:
    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        verdict = run_like(ctx, r, "fuzz")
        if os.path.isdir(ctx.tmp_path("fuzz-corpus")):
            ctx.fuzz_corpus = ctx.tmp_path("fuzz-corpus")
        return verdict

    def plan(ctx: Context) -> Plan:
        if ctx.primary is None:
            return no_steps(ctx)
        return Command(fozzy(
            ctx, "fuzz", f"scenario:{ctx.primary}", "--mode", "coverage", "--time",
            f"{opts.fuzz_time_ms}ms", "--seed", str(ctx.seed), "--corpus",
            ctx.tmp_path("fuzz-corpus"), "--minimize", "--record", ctx.tmp_path("fuzz.fozzy"),
            "--record-collision", "overwrite"),
            judge, opts.fuzz_time_ms / 1000 + ctx.step_timeout_s)
    return plan


def explore(opts: Extended) -> Callable[[Context], Plan]:
    def plan(ctx: Context) -> Plan:
        if not ctx.distributed:
            return Skip(f"no distributed scenario under {ctx.scenario_root}",
                        "a distributed *.fozzy.json under the scenario root (fozzy init "
                        "writes explore/distributed.pass.fozzy.json: try --scenario-root .)")
        preferred = [p for p in ctx.distributed if CHECKER_WORD not in os.path.basename(p[0])]
        path, node_count = (preferred or ctx.distributed)[0]
        nodes = ["--nodes", str(opts.explore_nodes)] if node_count else []
        return Command(fozzy(ctx, "explore", path, "--schedule", "coverage_guided", "--steps",
                             str(opts.explore_steps), *nodes, "--seed", str(ctx.seed)),
                       lambda ctx, r: run_like(ctx, r, "explore"))
    return plan


def _exit0(key: str | None = None) -> Callable[[Context, ChildResult], Verdict | Skip]:
    def judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
        doc = document(r)
        if r.returncode != 0 or doc is None:
            return tooling(r)
        if key is not None and not doc.get(key):
            return failed(f"`{key}` is empty")
        return passed("exit=0" + (f" {key}={_short(doc[key])}" if key else ""))
    return judge


def _short(value: object) -> str:
    return str(len(value)) if isinstance(value, (list, dict)) else str(value)


def _corpus_dir(ctx: Context) -> str:
    return ctx.tmp_path("corpus")


def corpus_add(ctx: Context) -> Plan:
    seed = ctx.tmp_path("corpus-seed.bin")
    with open(seed, "wb") as f:
        f.write(CORPUS_SEED)
    return Command(fozzy(ctx, "corpus", "add", _corpus_dir(ctx), seed), _exit0("added"))


def corpus_list(ctx: Context) -> Plan:
    return Command(fozzy(ctx, "corpus", "list", _corpus_dir(ctx)), _exit0("inputs"))


def corpus_minimize(ctx: Context) -> Plan:
    if ctx.fuzz_corpus is None or ctx.primary is None:
        return Skip("no fuzz corpus (the fuzz step did not run)", "let the fuzz step run")
    return Command(fozzy(ctx, "corpus", "minimize", ctx.fuzz_corpus, "--target",
                         f"scenario:{ctx.primary}"), _exit0())


def corpus_export(ctx: Context) -> Plan:
    return Command(fozzy(ctx, "corpus", "export", _corpus_dir(ctx), "--out",
                         ctx.tmp_path("corpus.zip")), _exit0("ok"))


def corpus_import(ctx: Context) -> Plan:
    if not os.path.isfile(ctx.tmp_path("corpus.zip")):
        return Skip("no corpus archive (corpus_export did not write one)",
                    "let corpus_export run")
    return Command(fozzy(ctx, "corpus", "import", ctx.tmp_path("corpus.zip"), "--out",
                         ctx.tmp_path("corpus-imported")), _exit0("files"))


def _host_judge(ctx: Context, r: ChildResult) -> Verdict | Skip:
    from fozzy.errors import FozzyError
    from fozzy.trace.reader import read_trace

    trace = ctx.tmp_path("host.fozzy")
    verdict = run_like(ctx, r, "run", trace=trace)
    if verdict.status != "passed":
        return verdict
    try:
        _, doc = read_trace(trace)
    except FozzyError as e:
        return failed(f"host trace unreadable: {e.message}")
    used = sorted(k for k, v in (doc.get("backends") or {}).items() if v == "host")
    if not used:
        return failed(verdict.detail + " no host backend was used")
    return passed(verdict.detail + " hostBackends=" + ",".join(used))


def host_backends_run(ctx: Context) -> Plan:
    hosts = [p for p in ctx.steps_scenarios if is_host(p)]
    if not hosts:
        return Skip(f"no steps scenario with `host` in its name under {ctx.scenario_root}",
                    "a host scenario under the scenario root (fozzy init writes "
                    "host/host.pass.fozzy.json: try --scenario-root .)")
    argv = fozzy(ctx, "--proc-backend", "host", "--fs-backend", "host", "--http-backend",
                 "host", "run", hosts[0], "--seed", str(ctx.seed), "--record",
                 ctx.tmp_path("host.fozzy"), "--record-collision", "overwrite")
    return Command(argv, _host_judge)


def env(ctx: Context) -> Plan:
    return Command(fozzy(ctx, "env"), _exit0("capabilities"))


ROWS: tuple[tuple[str, Callable[[Context], Plan]], ...] = (
    ("corpus_add", corpus_add),
    ("corpus_list", corpus_list),
    ("corpus_minimize", corpus_minimize),
    ("corpus_export", corpus_export),
    ("corpus_import", corpus_import),
    ("host_backends_run", host_backends_run),
    ("env", env),
)
