"""Worker-side fuzzing: byte mutators, oracle-preserving scenario mutation, fn coverage."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.fuzz.bytes_mutators import BYTE_MUTATORS, MutationContext, mutate_bytes
from workers.fuzz.campaign import fuzz_batch
from workers.fuzz.pyfn import harvest_constants, load_target, run_fn
from workers.fuzz.scenario_mutators import ScenarioInput, literals, mutate_scenario
from workers.steps.parse import parse_steps
from workers.steps.registry import Role, T, registry

ROOT = Path(__file__).resolve().parents[2]
PLANTED = "examples/fuzz/planted.py:parse_header"


@given(st.binary(max_size=64), st.integers(0, 2**32), st.sampled_from(sorted(BYTE_MUTATORS)))
def test_byte_mutators_are_deterministic_and_bounded(data: bytes, seed: int, name: str) -> None:
    ctx = MutationContext((b"abc", b"zz"), (b"KEY",), max_len=80)
    a = mutate_bytes(data, random.Random(seed), ctx, [name])
    assert a == mutate_bytes(data, random.Random(seed), ctx, [name])
    assert len(a) <= 80
    rng = random.Random(seed)
    rng.random()  # the one draw that picks the mutator of a one-mutator stack
    assert mutate_bytes(data, random.Random(seed), ctx, [name], stack=1) == (
        BYTE_MUTATORS[name](data, rng, ctx)[:80])


STEPS = [
    {"type": "set_kv", "key": "k", "value": "v1"},
    {"type": "get_kv_assert", "key": "k", "equals": "v1"},
    {"type": "trace_event", "name": "e", "fields": {"n": 1}},
    {"type": "assert_eq_str", "a": "x", "b": "x"},
    {"type": "assert_throws", "steps": [{"type": "set_kv", "key": "q", "value": "w"},
                                        {"type": "fail", "message": "m"}]},
]


def _oracles(steps: list[dict[str, Any]]) -> list[Any]:
    out: list[Any] = []
    reg = registry()
    for s in steps:
        for f in reg[s["type"]].fields:
            if f.type is T.STEPS:
                out.append(_oracles(s[f.name]))
            elif f.role is not Role.INPUT:
                out.append((s["type"], f.name, s[f.name]))
    return out


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32))
def test_scenario_mutants_never_touch_oracles(seed: int) -> None:
    base = ScenarioInput(7, parse_steps(STEPS, "/steps"))
    ctx = MutationContext((), tuple(sorted(literals(base.steps))), 4096)
    made = mutate_scenario(base, random.Random(seed), ctx, ("field",))
    assert made is not None
    mutant = made[0]
    assert _oracles(mutant.steps) == _oracles(base.steps)
    assert [s["type"] for s in mutant.steps] == [s["type"] for s in base.steps]


def test_duplicate_and_swap_only_pure_input_steps() -> None:
    base = ScenarioInput(7, parse_steps(STEPS, "/steps"))
    rng = random.Random(3)
    ctx = MutationContext((), (), 4096)
    for _ in range(50):
        made = mutate_scenario(base, rng, ctx, ("duplicate_step",))
        assert made is not None
        kinds = [s["type"] for s in made[0].steps]
        assert kinds.count("get_kv_assert") == 1 and kinds.count("assert_eq_str") == 1
        assert len(kinds) == len(STEPS) + 1
    # set_kv and trace_event are not adjacent here, so there is nothing to swap.
    assert mutate_scenario(base, rng, ctx, ("swap_steps",)) is None
    adjacent = ScenarioInput(7, parse_steps(STEPS[2:3] + STEPS, "/steps"))
    made = mutate_scenario(adjacent, rng, ctx, ("swap_steps",))
    assert made is not None
    assert [s["type"] for s in made[0].steps][:2] == ["set_kv", "trace_event"]


def test_seed_mutator_changes_only_seed() -> None:
    base = ScenarioInput(7, parse_steps(STEPS, "/steps"))
    made = mutate_scenario(base, random.Random(1), MutationContext(), ("seed",))
    assert made is not None and made[0].steps == base.steps and made[0].seed != 7


def test_harvest_constants_finds_magic_values() -> None:
    words = harvest_constants(frozenset({str(ROOT / "examples/fuzz/planted.py")}))
    assert b"FZ" in words
    assert (0xDEAD).to_bytes(4, "little") in words


def test_fn_coverage_sees_deeper_branches() -> None:
    target = load_target(PLANTED, str(ROOT))
    shallow = run_fn(target, b"xxxxxxxx")
    deeper = run_fn(target, b"FZ\x07\x00xxxx")
    assert shallow.finding is None and deeper.finding is None
    assert deeper.features - shallow.features
    bug = run_fn(target, b"FZ\x07\x80" + (0xDEAD).to_bytes(4, "little"))
    assert bug.finding is not None and bug.finding["title"] == "ValueError"
    assert bug.finding["location"]["line"] > 0


def _campaign(mode: str, seed: int, batches: int) -> dict[str, Any] | None:
    corpus, seen = [b"hello world".hex()], set[int]()
    for b in range(batches):
        r = fuzz_batch({
            "target": {"kind": "fn", "spec": PLANTED, "cwd": str(ROOT)},
            "corpus": corpus, "seen": sorted(seen), "seed": seed * 1000 + b,
            "execs": 2000, "time_ms": 60_000, "mode": mode,
        })
        for n in r["new"]:
            corpus.append(n["input"])
            seen |= set(n["features"])
        if r["crashes"]:
            crash: dict[str, Any] = r["crashes"][0]
            return crash
    return None


def test_coverage_guided_finds_planted_bug_property_mode_does_not() -> None:
    crash = _campaign("coverage", 1, 25)
    assert crash is not None
    assert "planted bug" in crash["finding"]["message"]
    data = bytes.fromhex(crash["input"])
    assert run_fn(load_target(PLANTED, str(ROOT)), data).finding is not None
    assert _campaign("property", 1, 25) is None


def test_batches_are_reproducible() -> None:
    job = {"target": {"kind": "fn", "spec": PLANTED, "cwd": str(ROOT)},
           "corpus": [b"seed".hex()], "seen": [], "seed": 42, "execs": 500, "time_ms": 60_000,
           "mode": "coverage"}
    assert fuzz_batch(job) == fuzz_batch(job)


@settings(max_examples=300)
@given(st.integers(0, 2**32))
def test_absolute_urls_keep_their_host_under_mutation(seed: int) -> None:
    steps = parse_steps([{"type": "http_request", "method": "GET",
                          "path": "http://127.0.0.1:8765/v1/x?q=1"}], "/steps")
    base = ScenarioInput(1, steps)
    ctx = MutationContext((), (b"http://evil.example", b"//other", b"v=", b"@x.y"), 4096)
    made = mutate_scenario(base, random.Random(seed), ctx, ("field",))
    assert made is not None
    path = made[0].steps[0]["path"]
    if path != steps[0]["path"]:  # the mutation may have hit headers/body instead
        from urllib.parse import urlsplit

        assert path.startswith("http://127.0.0.1:8765")
        assert urlsplit(path).hostname == "127.0.0.1" and urlsplit(path).port == 8765


def test_service_5xx_and_signal_deaths_are_findings_without_assertions() -> None:
    from workers.engine.oracles import target_misbehaviour

    ok = [{"kind": "http_request", "method": "GET", "path": "/", "status_code": 404}]
    assert target_misbehaviour(ok) is None
    bad = target_misbehaviour(
        [{"kind": "http_request", "method": "POST", "path": "http://h/x", "status_code": 503}])
    assert bad is not None and bad["title"] == "http_5xx" and "503" in bad["message"]
    killed = target_misbehaviour([{"kind": "proc_spawn", "cmd": "x", "args": [], "exit_code": -1}])
    assert killed is not None and killed["title"] == "proc_killed_by_signal"


def test_dictionary_file_format(tmp_path: Path) -> None:
    import pytest

    from fozzy.errors import FozzyError
    from fozzy.fuzzing.dictionary import load_dictionary

    f = tmp_path / "d.dict"
    f.write_text('# comment\nmagic="FZ\\x21\\x37"\n"plain"\nq="a\\"b\\\\c"\n')
    assert load_dictionary(str(f)) == [b"FZ!7", b"plain", b'a"b\\c']
    f.write_text("not a token\n")
    with pytest.raises(FozzyError, match="expected"):
        load_dictionary(str(f))


def test_dictionary_stage_puts_tokens_at_token_boundaries() -> None:
    from workers.fuzz.bytes_mutators import boundaries
    from workers.fuzz.bytes_mutators import dictionary_stage as bytes_stage

    assert boundaries(b"v=1;data=x") == [0, 2, 4, 9, 10]
    out = list(bytes_stage(b"v=1;data=x", [b"FZ!7"]))
    assert b"v=1;data=FZ!7x" in out and b"FZ!7v=1;data=x" in out
    assert len(out) == len(set(out))


def test_scenario_dictionary_stage_reaches_bodies_and_header_values() -> None:
    from workers.fuzz.scenario_mutators import dictionary_stage

    steps = parse_steps([{"type": "http_request", "method": "POST",
                          "path": "http://127.0.0.1:9/v1/r", "headers": {"x-f": "none"},
                          "body": "v=1;data=x", "expect_status": 200}], "/steps")
    variants = [v.steps[0] for v in dictionary_stage(ScenarioInput(3, steps), [b"TOK"])]
    assert any(v["body"] == "v=1;data=TOKx" for v in variants)
    assert any(v["headers"] == {"x-f": "TOK"} for v in variants)
    assert all(v["path"].startswith("http://127.0.0.1:9/") for v in variants)
    assert all(v["expect_status"] == 200 for v in variants)


def test_cached_mutation_facts_belong_to_their_own_input() -> None:
    from workers.fuzz.scenario_mutators import _input_slots

    base = ScenarioInput(7, parse_steps(STEPS, "/steps"))
    assert base.movable_steps() == [0, 2]
    assert base.input_slots() == list(_input_slots(base.steps))
    rng, ctx = random.Random(3), MutationContext((), (), 4096)
    made = mutate_scenario(base, rng, ctx, ("duplicate_step",))
    assert made is not None
    child = made[0]
    # The child has one more input step: its facts are its own, the parent's unchanged.
    assert len(child.movable_steps()) == 3
    assert child.input_slots() == list(_input_slots(child.steps))
    assert len(child.input_slots()) == len(base.input_slots()) + 1
    assert base.movable_steps() == [0, 2]
    assert child == ScenarioInput(child.seed, child.steps)  # caches are not part of equality
    fresh = ScenarioInput(7, parse_steps(STEPS[1:], "/steps"))
    assert fresh.movable_steps() == [1]


def test_current_input_file_holds_exactly_the_last_input(tmp_path: Path) -> None:
    from workers.fuzz.current_input import MAP_BYTES, CurrentInput, read_current_input

    path = tmp_path / "cur"
    path.write_bytes(b"stale content from an earlier batch")
    current = CurrentInput(str(path))
    try:
        assert read_current_input(str(path)) == b""  # nothing run yet
        long = bytes(range(256)) * (MAP_BYTES // 128)  # past the first mapping
        for data in (b"abc", b"abcdefgh", b"xy", b"", long, b"0123456789"):
            current.set(data)
            assert read_current_input(str(path)) == data
    finally:
        current.close()
    assert read_current_input(str(path)) == b"0123456789"
    assert read_current_input(str(tmp_path / "missing")) is None
    (tmp_path / "short").write_bytes(b"\x05\x00")
    assert read_current_input(str(tmp_path / "short")) is None


def test_a_carried_back_current_input_reads_back_and_a_special_file_is_refused(
    tmp_path: Path,
) -> None:
    import os

    from workers.fuzz.current_input import read_current_input, write_current_input

    write_current_input(str(tmp_path / "back"), b"from a remote worker")
    assert read_current_input(str(tmp_path / "back")) == b"from a remote worker"
    os.mkfifo(tmp_path / "fifo")  # would block a plain open forever
    assert read_current_input(str(tmp_path / "fifo")) is None


def test_the_current_input_survives_its_worker_being_killed(tmp_path: Path) -> None:
    """Killed mid-exec, a worker leaves the input it was running in the file: the writes
    are the file's page cache, not the dead process's memory."""
    import os
    import signal

    from workers.fuzz.current_input import CurrentInput, read_current_input

    path = str(tmp_path / "cur")
    pid = os.fork()
    if pid == 0:  # the "worker": sets its input, then hangs in the "target"
        current = CurrentInput(path)
        current.set(b"an earlier input, longer than the last")
        current.set(b"the input that hung")
        os.kill(os.getpid(), signal.SIGSTOP)
        os._exit(0)
    os.waitpid(pid, os.WUNTRACED)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert read_current_input(path) == b"the input that hung"


def test_the_batch_generator_is_seeded_and_stays_in_range() -> None:
    from workers.fuzz.batch import FuzzRandom

    a, b = FuzzRandom(7), FuzzRandom(7)
    draws = [(a.randrange(10), a.randrange(3, 9), a.choice("xyz")) for _ in range(2000)]
    assert draws == [(b.randrange(10), b.randrange(3, 9), b.choice("xyz")) for _ in range(2000)]
    assert {d[0] for d in draws} == set(range(10))
    assert {d[1] for d in draws} == set(range(3, 9))
    assert {d[2] for d in draws} == set("xyz")
    assert all(0 <= a.randrange(1 << 40) < 1 << 40 for _ in range(100))  # the exact path
    assert a.randrange(0, 10, 5) in (0, 5)
    with pytest.raises(IndexError):
        a.choice([])
