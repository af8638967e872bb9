"""The `fn:` instrumentation: the target behaves exactly as written, and the probes see its
blocks, comparison operands and looked-up keys."""

from __future__ import annotations

import random
import sys
import textwrap
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.fuzz.bytes_mutators import MutationContext, compare_replace
from workers.fuzz.json_mutators import decode, mutate_json
from workers.fuzz.probe import PROBE
from workers.fuzz.pyfn import load_target, run_fn

TARGET = '''
"""Module docstring."""
from __future__ import annotations

import json


class Weird:
    def __eq__(self, other):
        return "not a bool"


def documented(data: bytes) -> str | None:
    """Kept as the function's docstring."""
    return None


def compare(a, b):
    return a == b, a != b, a < b, a >= b


def member(a, b):
    return a in b, a not in b


def chained(x):
    return 0 < x < 10


def weird():
    return Weird() == 1


def affix(text):
    return text.startswith("GET "), text.endswith((".json", ".xml"))


def lookup(doc):
    return doc.get("role"), doc["id"] if "id" in doc else None


def raises(data: bytes) -> None:
    if data == b"boom":
        raise ValueError("boom")


def branchy(data: bytes) -> int:
    if len(data) < 2:
        return 0
    if data[0] == 0x41:
        return 1
    return 2


def reads(data: bytes):
    return json.loads(data)
'''


@pytest.fixture()
def target_dir(tmp_path: Path) -> Path:
    (tmp_path / "tgt.py").write_text(textwrap.dedent(TARGET))
    return tmp_path


def _module(target_dir: Path, name: str = "raises") -> object:
    target = load_target(f"tgt.py:{name}", str(target_dir))
    return sys.modules[target.func.__module__]


def test_comparisons_return_what_the_plain_operators_return(target_dir: Path) -> None:
    mod = _module(target_dir)
    for a, b in ((1, 2), (2, 1), ("a", "abc"), (b"x", b"x"), (1.5, 1)):
        assert mod.compare(a, b) == (a == b, a != b, a < b, a >= b)  # type: ignore[attr-defined]
    for a, c in (("a", "abc"), (3, [1, 3]), ("k", {"k": 1}), (b"z", b"xy")):
        assert mod.member(a, c) == (a in c, a not in c)  # type: ignore[attr-defined]
    assert mod.chained(5) is True and mod.chained(10) is False  # type: ignore[attr-defined]
    assert mod.weird() == "not a bool"  # type: ignore[attr-defined]
    assert mod.affix("GET /a.json") == (True, True)  # type: ignore[attr-defined]
    assert mod.lookup({"role": "x", "id": 3}) == ("x", 3)  # type: ignore[attr-defined]
    assert mod.lookup({}) == (None, None)  # type: ignore[attr-defined]


def test_docstrings_and_finding_lines_stay_as_written(target_dir: Path) -> None:
    mod = _module(target_dir)
    assert mod.__doc__ == "Module docstring."
    assert mod.documented.__doc__ == "Kept as the function's docstring."  # type: ignore[attr-defined]
    target = load_target("tgt.py:raises", str(target_dir))
    out = run_fn(target, b"boom")
    assert out.finding is not None and out.finding["title"] == "ValueError"
    line = next(n for n, text in enumerate(TARGET.splitlines(), start=1)
                if "raise ValueError" in text)
    assert out.finding["location"]["line"] == line


def test_no_instrumented_bytecode_reaches_pycache(target_dir: Path) -> None:
    load_target("tgt.py:raises", str(target_dir))
    assert not list(target_dir.rglob("*.pyc"))


def test_each_branch_is_a_block_of_its_own(target_dir: Path) -> None:
    target = load_target("tgt.py:branchy", str(target_dir))
    short, other, a = (run_fn(target, d).features for d in (b"", b"zz", b"AA"))
    assert other - short and a - other and a - short


def test_compares_and_lookups_fill_the_table(target_dir: Path) -> None:
    mod = _module(target_dir)
    PROBE.reset_table()
    mod.compare(1000, 1337)  # type: ignore[attr-defined]
    mod.affix("PUT /x")  # type: ignore[attr-defined]
    mod.lookup({"role": "user"})  # type: ignore[attr-defined]
    mod.member("needle", ["hay", "needles"])  # type: ignore[attr-defined]
    table = PROBE.compares()
    assert (1000, 1337) in table and (1000, 1338) in table  # ordering wants bound + 1
    assert ("PUT ", "GET ") in table
    assert (None, "role") in table and (None, "id") in table
    assert ("needle", "needles") in table


def test_value_profile_rewards_getting_closer(target_dir: Path) -> None:
    target = load_target("tgt.py:raises", str(target_dir))
    far, near = run_fn(target, b"zzzz").features, run_fn(target, b"booz").features
    assert near - far
    plain = run_fn(target, b"booz", value_profile=False).features
    assert plain < near


def test_the_target_knows_it_reads_json(target_dir: Path) -> None:
    assert load_target("tgt.py:reads", str(target_dir)).reads_json


def test_compare_replace_writes_the_wanted_operand() -> None:
    ctx = MutationContext(compares=((0x1000, 0x1337BEEF),))
    data = b"AB" + (0x1000).to_bytes(4, "little") + b"CD"
    out = compare_replace(data, random.Random(0), ctx)
    assert (0x1337BEEF).to_bytes(4, "little") in out or b"322420463" in out
    text = compare_replace(b"cmd=hello;", random.Random(0),
                           MutationContext(compares=(("hello", "debug"),)))
    assert text == b"cmd=debug;"


JSON_DOCS = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**62), 2**62) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=16,
).filter(lambda d: isinstance(d, dict | list))


@settings(max_examples=200, deadline=None)
@given(JSON_DOCS, st.integers(0, 2**32))
def test_json_mutation_keeps_a_json_corpus_json(doc: object, seed: int) -> None:
    data = orjson.dumps(doc)
    ctx = MutationContext(corpus=(data, b'{"x": [1, 2]}'), dictionary=(b"KEY",),
                          compares=((None, "role"), ("user", "admin"), (0, 1001)))
    out = mutate_json(data, decode(data), random.Random(seed), ctx)
    assert isinstance(orjson.loads(out), dict | list)


def test_json_mutation_hands_over_the_compared_key_and_value() -> None:
    ctx = MutationContext(compares=((None, "role"), (None, "admin")))
    rng = random.Random(5)
    seen = set()
    for _ in range(200):
        out = orjson.loads(mutate_json(b"{}", {}, rng, ctx))
        seen |= {(k, v) for k, v in out.items() if isinstance(v, str | int)}
    assert ("role", "admin") in seen


def test_the_compare_stage_completes_a_missing_separator_and_its_value() -> None:
    from workers.fuzz.bytes_mutators import compare_stage

    pairs = [(None, "="), ("", "debug"), ("SEX", "SET")]
    out = list(compare_stage(b"SEX mode", pairs))
    assert b"SET mode" in out
    assert b"SEX mode=debug" in out
    assert len(out) == len(set(out)) and b"SEX mode" not in out


def test_set_command_behind_a_separator_is_found_in_a_few_batches(tmp_path: Path) -> None:
    from workers.fuzz.campaign import fuzz_batch

    (tmp_path / "cmd.py").write_text(textwrap.dedent('''
        def check(data: bytes) -> None:
            text = data.decode("latin-1")
            verb, _, rest = text.partition(" ")
            if verb == "SET":
                key, _, value = rest.partition("=")
                if key == "mode" and value == "debug":
                    raise RuntimeError("debug mode")
    '''))
    corpus: list[str] = []
    seen: list[int] = []
    for batch in range(10):
        r = fuzz_batch({"target": {"kind": "fn", "spec": "cmd.py:check", "cwd": str(tmp_path)},
                        "corpus": corpus, "seen": seen, "seed": batch, "execs": 2000,
                        "time_ms": 600_000, "mode": "coverage", "mutators": [],
                        "crash_only": True})
        if r["crashes"]:
            assert r["crashes"][0]["finding"]["message"] == "debug mode"
            return
        corpus += [n["input"] for n in r["new"]]
        seen = sorted({*seen, *(f for n in r["new"] for f in n["features"])})
    raise AssertionError("not found in 20000 executions")


def test_resolved_paths_match_realpath_through_linked_dirs_and_files(tmp_path: Path) -> None:
    """`install` resolves loaded modules' paths a directory at a time; the result must be
    `os.path.realpath`'s, whether the link is a directory on the way or the file itself."""
    import os

    from workers.fuzz.instrument import _resolved

    real = tmp_path / "real"
    (real / "pkg").mkdir(parents=True)
    (real / "pkg" / "mod.py").write_text("")
    (tmp_path / "linked").symlink_to(real)
    (real / "pkg" / "alias.py").symlink_to(real / "pkg" / "mod.py")
    (tmp_path / "rel").symlink_to("real/pkg")
    dirs: dict[str, str] = {}
    for path in (real / "pkg" / "mod.py", tmp_path / "linked" / "pkg" / "mod.py",
                 tmp_path / "linked" / "pkg" / "alias.py", tmp_path / "rel" / "alias.py",
                 tmp_path / "linked" / "pkg" / ".." / "pkg" / "mod.py", real / "missing.py"):
        assert _resolved(str(path), dirs) == os.path.realpath(path)
    assert _resolved("relative.py", dirs) == os.path.realpath("relative.py")


def test_a_target_imported_plain_through_a_link_is_imported_again_instrumented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "linkedtarget.py").write_text(
        "def check(data):\n    if data == b'x':\n        return 1\n")
    (tmp_path / "via").symlink_to(tmp_path / "src")
    monkeypatch.syspath_prepend(str(tmp_path / "via"))
    import importlib

    plain = importlib.import_module("linkedtarget")
    try:
        target = load_target("linkedtarget:check", str(tmp_path / "src"))
        assert target.func is not plain.check
        assert run_fn(target, b"x").features != run_fn(target, b"y").features
    finally:
        sys.modules.pop("linkedtarget", None)
