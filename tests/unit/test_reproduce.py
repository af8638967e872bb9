"""The one renderer of reproduce commands: quoting, which flags come along, and where the
command shows up in the human, JUnit and HTML renderings."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET

from fozzy.artifacts.invocation import Invocation
from fozzy.artifacts.junit import junit_xml
from fozzy.artifacts.render import plain_text, pretty_text, report_html
from fozzy.artifacts.reproduce import (
    RunFlags,
    Search,
    explore_command,
    replay_command,
    run_command,
)
from fozzy.artifacts.summary import build_summary

DEFAULTS = {"proc": "scripted", "fs": "virtual", "http": "scripted"}


def flags(**kw: object) -> RunFlags:
    base: dict[str, object] = {"det": False, "timeout_ms": None, "memory": {},
                               "backends": DEFAULTS}
    return RunFlags(**{**base, **kw})  # type: ignore[arg-type]


def test_awkward_paths_survive_shlex_split() -> None:
    for path in ("a b.fozzy.json", "it's.fozzy.json", "$(rm -rf x).fozzy.json", "x\ny.json"):
        argv = shlex.split(run_command(Invocation(), path, 7, flags()))
        assert argv == ["fozzy", "run", path, "--seed", "7"]


def test_a_path_that_looks_like_an_option_is_made_an_operand() -> None:
    argv = shlex.split(run_command(Invocation(), "-x.fozzy.json", 1, flags()))
    assert argv[2] == "./-x.fozzy.json"


def test_backend_flags_when_not_default_or_not_what_the_config_gives() -> None:
    host = {**DEFAULTS, "proc": "host"}
    assert run_command(Invocation(), "s", 1, flags(backends=DEFAULTS)) == "fozzy run s --seed 1"
    assert run_command(Invocation(), "s", 1, flags(backends=host)).startswith(
        "fozzy --proc-backend host run s")
    # The config says host, a flag said scripted: without the flag the config would win.
    inv = Invocation(config_backends={**DEFAULTS, "http": "host"})
    assert run_command(inv, "s", 1, flags()).startswith("fozzy --http-backend scripted run")


def test_global_flags_come_first() -> None:
    inv = Invocation(cwd="/w d", config="ci.toml")
    assert shlex.split(run_command(inv, "s", 1, flags()))[:5] == [
        "fozzy", "--cwd", "/w d", "--config", "ci.toml"]


def test_memory_flags_every_option_that_changes_the_outcome() -> None:
    every = {"track": True, "limit_mb": 2, "fail_after_allocs": 3, "fragmentation_seed": 4,
             "pressure_wave": "1,2", "leak_budget_bytes": 5, "fail_on_leak": True,
             "artifacts": True}
    cmd = run_command(Invocation(), "s", 1, flags(det=True, timeout_ms=1500, memory=every,
                                                  worker_mem_mb=64))
    assert cmd == ("fozzy run s --seed 1 --det --timeout 1500ms --worker-mem-mb 64"
                   " --fail-on-leak --mem-limit-mb 2 --mem-fail-after 3"
                   " --mem-fragmentation-seed 4 --mem-pressure-wave 1,2 --leak-budget 5")
    tracked = {"track": True, "fail_on_leak": False, "artifacts": True}
    assert run_command(Invocation(), "s", 1, flags(memory=tracked)).endswith(" --mem-track")


def test_explore_keeps_its_budget_only_when_the_status_came_from_it() -> None:
    search = Search("pct", 3, schedules=10, steps=4, nodes=5, faults="f.json",
                    checker="kv_all_equal:k", pct_depth=2, time_ms=900)
    base = ("fozzy explore s --schedule pct --seed 3 --schedules 10 --steps 4 --nodes 5"
            " --faults f.json --checker kv_all_equal:k --pct-depth 2")
    assert explore_command(Invocation(), "s", search, "fail") == base
    assert explore_command(Invocation(), "s", search, "timeout") == base + " --time 900ms"


def test_replay_repeats_until_and_trust() -> None:
    assert replay_command(Invocation(), "/t/x y.fozzy", until_ms=50, trust_target=True) == (
        "fozzy replay '/t/x y.fozzy' --until 50ms --trust-target")


def summary(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"status": "fail", "mode": "run", "run_id": "r", "seed": 9,
                               "started_ns": 0, "wall_ns": 1}
    return build_summary(**{**base, **kw})  # type: ignore[arg-type]


def test_every_rendering_shows_the_command() -> None:
    cmd = "fozzy run 'a b.fozzy.json' --seed 9"
    s = summary(reproduce=cmd, findings=[{"kind": "assertion", "title": "t", "message": "m"}])
    assert s["reproduce"] == cmd and "reproduce" not in summary(status="pass")
    assert f"reproduce: {cmd}\n" in pretty_text(s, color=False)
    assert f"reproduce: {cmd}\n" in plain_text(s)
    assert "<dt>reproduce</dt><dd>fozzy run &apos;a b.fozzy.json&apos; --seed 9</dd>" in (
        report_html(s))
    root = ET.fromstring(junit_xml(s))
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props == {"seed": "9", "status": "fail", "reproduce": cmd}
    failure = root.find("testcase/failure")
    assert failure is not None and (failure.get("message"), failure.get("type")) == ("m", "t")
    assert ET.fromstring(junit_xml(summary(status="pass"))).find("properties") is None


def test_junit_property_keeps_line_breaks() -> None:
    cmd = "fozzy run 'x\ny.json' --seed 1"
    root = ET.fromstring(junit_xml(summary(reproduce=cmd)))
    assert {p.get("name"): p.get("value") for p in root.iter("property")}["reproduce"] == cmd


def test_fuzz_crash_commands_print_once_each() -> None:
    crashes = [{"signature": "fail|E|f.py:1", "status": "fail", "reproduce": "fozzy replay a"},
               {"signature": "crash|worker_crash", "status": "crash",
                "reproduce": "fozzy replay b"}]
    s = summary(status="crash", mode="fuzz", reproduce="fozzy replay b",
                extra={"fuzz": {"crashes": crashes}})
    text = pretty_text(s, color=False)
    assert text.count("reproduce: fozzy replay b") == 1
    assert "    reproduce: fozzy replay a\n" in text
    props = {p.get("name"): p.get("value") for p in ET.fromstring(junit_xml(s)).iter("property")}
    assert props["crash.0.reproduce"] == "fozzy replay a"
    assert "fozzy replay b" in report_html(s)
