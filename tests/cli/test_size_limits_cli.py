"""Documented, configurable input size limits (`[limits]` in fozzy.toml): each breach is a
one-line exit-2 error naming its key, raised before the work it bounds."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import orjson
import pytest

from tests.cli.clikit import fozzy

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples"
           / "plain-assertions-and-seeded-rng.fozzy.json")
STEP = {"type": "assert_eq_str", "a": "x", "b": "x"}


def refusal(cwd: Path, *args: str) -> str:
    r = fozzy(cwd, *args, "--json")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    doc = orjson.loads(r.stdout)
    message = str(doc.get("message", doc.get("error")))
    assert "\n" not in message
    return message


def limits(cwd: Path, **values: int) -> None:
    body = "".join(f"{k} = {v}\n" for k, v in values.items())
    (cwd / "fozzy.toml").write_text(f"[limits]\n{body}")


def steps_file(cwd: Path, n: int) -> str:
    (cwd / "s.fozzy.json").write_bytes(
        orjson.dumps({"version": 1, "name": "s", "steps": [STEP] * n}))
    return "s.fozzy.json"


def test_node_count_default_limit(tmp_path: Path) -> None:
    doc = {"version": 1, "name": "n", "distributed": {"node_count": 1_000_000_000, "steps": []}}
    (tmp_path / "n.fozzy.json").write_bytes(orjson.dumps(doc))
    assert "`[limits] node_count`" in refusal(tmp_path, "validate", "n.fozzy.json")


def test_steps_limit_is_configurable(tmp_path: Path) -> None:
    limits(tmp_path, steps=10)
    assert fozzy(tmp_path, "validate", steps_file(tmp_path, 10)).returncode == 0
    assert "`[limits] steps`" in refusal(tmp_path, "validate", steps_file(tmp_path, 11))


def test_nested_steps_count(tmp_path: Path) -> None:
    limits(tmp_path, steps=3)
    nested = {"type": "assert_throws", "steps": [STEP, STEP, {"type": "fail", "message": "m"}]}
    (tmp_path / "x.fozzy.json").write_bytes(
        orjson.dumps({"version": 1, "name": "x", "steps": [nested]}))
    assert "`[limits] steps`" in refusal(tmp_path, "validate", "x.fozzy.json")


def test_scenario_bytes_limit(tmp_path: Path) -> None:
    limits(tmp_path, scenario_bytes=100)
    assert "`[limits] scenario_bytes`" in refusal(tmp_path, "validate", steps_file(tmp_path, 5))


def test_scenario_bytes_limit_in_a_suite(tmp_path: Path) -> None:
    limits(tmp_path, scenario_bytes=100)
    steps_file(tmp_path, 5)
    r = fozzy(tmp_path, "test", "s.fozzy.json", "--json")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "`[limits] scenario_bytes`" in r.stdout


def test_trace_bytes_limit(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "a.fozzy.json")
    r = fozzy(tmp_path, "run", "a.fozzy.json", "--record", "t.fozzy")
    assert r.returncode == 0, r.stdout + r.stderr
    limits(tmp_path, trace_bytes=100)
    assert "`[limits] trace_bytes`" in refusal(tmp_path, "trace", "verify", "t.fozzy")


def test_brace_heavy_glob_is_refused(tmp_path: Path) -> None:
    assert "`[limits] glob_patterns`" in refusal(tmp_path, "test", "{a,b}" * 25)


def test_long_glob_is_refused(tmp_path: Path) -> None:
    assert "`[limits] glob_chars`" in refusal(tmp_path, "test", "*" + "a" * 5000)


def test_glob_matches_limit(tmp_path: Path) -> None:
    limits(tmp_path, glob_matches=1)
    shutil.copy(EXAMPLE, tmp_path / "a.fozzy.json")
    shutil.copy(EXAMPLE, tmp_path / "b.fozzy.json")
    assert "`[limits] glob_matches`" in refusal(tmp_path, "test", "*.fozzy.json")


def make_zip(path: Path, entries: list[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)


def test_corpus_entries_limit_writes_nothing(tmp_path: Path) -> None:
    limits(tmp_path, corpus_entries=2)
    make_zip(tmp_path / "c.zip", [(f"input-{i}.bin", b"x") for i in range(3)])
    assert "`[limits] corpus_entries`" in refusal(
        tmp_path, "corpus", "import", "c.zip", "--out", "corp")
    assert not (tmp_path / "corp").exists()


def test_corpus_depth_limit(tmp_path: Path) -> None:
    limits(tmp_path, corpus_depth=3)
    make_zip(tmp_path / "c.zip", [("a/b/c/d.bin", b"x")])
    assert "`[limits] corpus_depth`" in refusal(
        tmp_path, "corpus", "import", "c.zip", "--out", "corp")


def test_corpus_bytes_limit(tmp_path: Path) -> None:
    limits(tmp_path, corpus_bytes=1000)
    make_zip(tmp_path / "c.zip", [("a.bin", b"x" * 2000)])
    refusal(tmp_path, "corpus", "import", "c.zip", "--out", "corp")
    assert not (tmp_path / "corp").exists()


def test_file_then_same_name_directory_is_refused_whole(tmp_path: Path) -> None:
    (tmp_path / "corp").mkdir()
    (tmp_path / "corp" / "keep.bin").write_bytes(b"k")
    make_zip(tmp_path / "c.zip", [("a.bin", b"a"), ("x", b"1"), ("x/y.bin", b"2")])
    assert "both a file and a directory" in refusal(
        tmp_path, "corpus", "import", "c.zip", "--out", "corp")
    assert sorted(p.name for p in (tmp_path / "corp").iterdir()) == ["keep.bin"]


def test_corpus_import_stages_then_renames(tmp_path: Path) -> None:
    make_zip(tmp_path / "c.zip", [("a.bin", b"a"), ("sub/b.bin", b"b")])
    r = fozzy(tmp_path, "corpus", "import", "c.zip", "--out", "corp", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "corp" / "sub" / "b.bin").read_bytes() == b"b"
    assert [p.name for p in tmp_path.iterdir() if ".import-" in p.name] == []


@pytest.mark.parametrize("body", [
    "[limits]\nsteps = 0\n",
    "[limits]\nsteps = 99999999999999999999999\n",
    "[limits]\nsteps = true\n",
    "[limits]\nstepz = 5\n",
    "limits = 3\n",
])
def test_bad_limits_table_is_a_config_error(tmp_path: Path, body: str) -> None:
    (tmp_path / "fozzy.toml").write_text(body)
    shutil.copy(EXAMPLE, tmp_path / "a.fozzy.json")
    r = fozzy(tmp_path, "validate", "a.fozzy.json", "--json")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "limits" in r.stdout
