"""Hostile flags, configs, globs, scenarios, zips and traces: one-line errors, never a
traceback (regressions from the #13 fault campaign)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import orjson
import pytest

from tests.cli.clikit import fozzy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "plain-assertions-and-seeded-rng.fozzy.json"


def one_line_error(cwd: Path, *args: str, code: int = 2) -> str:
    r = fozzy(cwd, *args, "--json")
    assert r.returncode == code, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    doc = orjson.loads(r.stdout)
    message = str(doc.get("message", doc.get("error")))
    assert "\n" not in message
    return message


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "a.fozzy.json")
    return tmp_path


@pytest.mark.parametrize("flag", ["--timeout", "--time"])
def test_huge_duration_flag(work: Path, flag: str) -> None:
    cmd = "run" if flag == "--timeout" else "fuzz"
    assert flag in one_line_error(work, cmd, "a.fozzy.json", flag, "18446744073709551615ms")


@pytest.mark.parametrize("args", [
    ("run", "a.fozzy.json", "--seed", str(1 << 70)),
    ("test", "a.fozzy.json", "--seed", str(-(1 << 70))),
])
def test_huge_integer_flags(work: Path, args: tuple[str, ...]) -> None:
    one_line_error(work, *args)


@pytest.mark.parametrize("body", [
    f"mem_limit_mb = {1 << 70}\n",
    f"max_output_bytes = {1 << 64}\n",
    'base_dir = "a\\u0000b"\n',
    "x = " + "[" * 3000 + "1" + "]" * 3000 + "\n",
    "[" + ".".join(["a"] * 3000) + "]\n",
])
def test_hostile_config(work: Path, body: str) -> None:
    (work / "fozzy.toml").write_text(body)
    one_line_error(work, "validate", "a.fozzy.json")


def test_bad_glob_class(work: Path) -> None:
    assert "invalid glob" in one_line_error(work, "test", "[z-a].fozzy.json")


def test_deeply_nested_scenario(work: Path) -> None:
    depth = 400  # 800 JSON levels: within orjson's decoder limit, beyond the parser's stack
    opening = '{"type":"assert_throws","steps":[' * depth
    doc = opening + '{"type":"fail","message":"m"}' + "]}" * depth
    (work / "d.fozzy.json").write_text(f'{{"version":1,"name":"d","steps":[{doc}]}}')
    assert "nested too deeply" in one_line_error(work, "validate", "d.fozzy.json")
    assert "nested too deeply" in one_line_error(work, "run", "d.fozzy.json")


def test_deeply_nested_json(work: Path) -> None:
    (work / "j.fozzy.json").write_text("[" * 5000 + "]" * 5000)
    one_line_error(work, "validate", "j.fozzy.json")


@pytest.mark.parametrize("name", ["a/" * 40 + "x.bin", "a" * 300 + ".bin"])
def test_corpus_entry_too_deep_or_long(work: Path, name: str) -> None:
    with zipfile.ZipFile(work / "c.zip", "w") as zf:
        zf.writestr(name, b"x")
    one_line_error(work, "corpus", "import", "c.zip", "--out", "corp")
    assert not (work / "corp").exists()


@pytest.mark.parametrize("memory", [
    {"options": {}, "summary": "bad", "graph": []},
    {"options": 5, "summary": {}, "graph": {}},
    {"summary": {"leakedBytes": "x"}},
])
def test_ci_with_a_malformed_memory_member(work: Path, memory: object) -> None:
    from fozzy.trace.checksum import seal

    shutil.copy(EXAMPLES / "memory-alloc-free-and-limits.fozzy.json", work / "m.fozzy.json")
    r = fozzy(work, "run", "m.fozzy.json", "--mem-track", "--record", "m.fozzy")
    assert r.returncode == 0, r.stdout + r.stderr
    doc = orjson.loads((work / "m.fozzy").read_bytes())
    doc.pop("checksum")
    doc["memory"] = memory
    (work / "bad.fozzy").write_bytes(seal(doc)[0])
    r = fozzy(work, "ci", "bad.fozzy", "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    checks = {c["name"]: c for c in orjson.loads(r.stdout)["checks"]}
    assert checks["memory_policy"]["ok"] is False
    assert "malformed `memory`" in checks["memory_policy"]["detail"]


def test_corpus_export_onto_a_directory(work: Path) -> None:
    (work / "corp").mkdir()
    (work / "corp" / "input-x.bin").write_bytes(b"x")
    (work / "out.zip").mkdir()
    assert "is a directory" in one_line_error(work, "corpus", "export", "corp", "--out", "out.zip")
