"""`fozzy init` through the real command (spec §2.1, §8, Appendix A.1): what it writes where,
`--force` against existing files for the default and a custom config name, and that the
starters it leaves where `fozzy test` looks actually pass."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import orjson
import pytest

from fozzy.config import Config
from fozzy.scenario.discover import DEFAULT_PATTERN, discover

ALL_FILES = {
    "fozzy.toml",
    "tests/example.fozzy.json",
    "tests/run.pass.fozzy.json",
    "tests/memory.pass.fozzy.json",
    "tests/INIT_GUIDE.md",
    "explore/distributed.pass.fozzy.json",
    "host/host.pass.fozzy.json",
    "fuzz/kv_target.py",
    ".fozzy/corpora/fn-kv/seed.bin",
}


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def init_json(cwd: Path, *args: str) -> dict[str, Any]:
    r = fozzy(cwd, "--json", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    doc: dict[str, Any] = orjson.loads(r.stdout)
    return doc


def actions(doc: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["action"] for f in doc["files"]}


def test_default_init_writes_config_dirs_and_every_starter(tmp_path: Path) -> None:
    doc = init_json(tmp_path, "init")
    assert files_under(tmp_path) == ALL_FILES
    assert (tmp_path / ".fozzy/runs").is_dir()
    assert (tmp_path / ".fozzy/corpora").is_dir()
    assert set(actions(doc).values()) == {"created"}
    assert doc["types"] == ["run", "fuzz", "explore", "memory", "host"]
    cfg = tomllib.loads((tmp_path / "fozzy.toml").read_text())
    assert cfg["base_dir"] == ".fozzy"
    assert (cfg["proc_backend"], cfg["fs_backend"], cfg["http_backend"]) == (
        "scripted", "virtual", "scripted"
    )
    assert (tmp_path / ".fozzy/corpora/fn-kv/seed.bin").read_bytes() == b"fozzy-seed\n"


def test_human_output_lists_each_file(tmp_path: Path) -> None:
    r = fozzy(tmp_path, "init")
    assert r.returncode == 0, r.stderr
    assert "created     fozzy.toml" in r.stdout
    assert "created     tests/example.fozzy.json" in r.stdout


def test_starters_have_the_documented_shape(tmp_path: Path) -> None:
    init_json(tmp_path, "init")

    def load(rel: str) -> Any:
        return orjson.loads((tmp_path / rel).read_bytes())

    example = load("tests/example.fozzy.json")
    assert example["name"] == "example"
    assert [s["type"] for s in example["steps"]] == [
        "trace_event", "rand_u64", "sleep", "assert_eq_int"
    ]
    memory = load("tests/memory.pass.fozzy.json")
    assert [s["type"] for s in memory["steps"]] == [
        "memory_alloc", "memory_assert_in_use_bytes", "memory_free", "memory_assert_in_use_bytes"
    ]
    dist = load("explore/distributed.pass.fozzy.json")["distributed"]
    assert dist["node_count"] == 3
    assert [s["node"] for s in dist["steps"] if s["type"] == "client_put"] == ["n0", "n1", "n2"]
    host = load("host/host.pass.fozzy.json")
    assert any(s["type"] == "proc_spawn" and s["cmd"] == "echo" for s in host["steps"])


def test_every_starter_validates(tmp_path: Path) -> None:
    init_json(tmp_path, "init")
    for rel in ALL_FILES:
        if rel.endswith(".fozzy.json"):
            r = fozzy(tmp_path, "validate", rel, "--json")
            assert orjson.loads(r.stdout)["ok"] is True, (rel, r.stdout)


def test_default_discovery_picks_only_the_scripted_starters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_json(tmp_path, "init")
    monkeypatch.chdir(tmp_path)
    assert {s.path for s in discover([DEFAULT_PATTERN])} == {
        "tests/example.fozzy.json", "tests/run.pass.fozzy.json", "tests/memory.pass.fozzy.json"
    }


def test_init_then_test_is_green(tmp_path: Path) -> None:
    assert fozzy(tmp_path, "init").returncode == 0
    r = fozzy(tmp_path, "test", "--det", "--seed", "7", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    report = orjson.loads(r.stdout)
    assert report["status"] == "pass"
    ran = {s["path"] for s in report["scenarios"]}
    assert ran == {
        "tests/example.fozzy.json", "tests/run.pass.fozzy.json", "tests/memory.pass.fozzy.json"
    }


def test_host_starter_passes_with_host_backends_and_cleans_up(tmp_path: Path) -> None:
    init_json(tmp_path, "init", "--with", "host")
    before = files_under(tmp_path)
    r = fozzy(
        tmp_path, "--proc-backend", "host", "--fs-backend", "host",
        "run", "host/host.pass.fozzy.json", "--det", "--json",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert orjson.loads(r.stdout)["status"] == "pass"
    assert not (tmp_path / "host-smoke.txt").exists()
    assert {p for p in files_under(tmp_path) - before if not p.startswith(".fozzy/")} == set()


def test_guide_commands_name_files_that_init_created(tmp_path: Path) -> None:
    init_json(tmp_path, "init")
    guide = (tmp_path / "tests/INIT_GUIDE.md").read_text()
    commands = [
        block.strip() for block in re.findall(r"```sh\n(.*?)\n\s*```", guide, flags=re.DOTALL)
    ]
    assert len(commands) == 6  # the first run plus one per type
    assert "--unsafe" in guide
    for cmd in commands:
        for token in cmd.split():
            if token.startswith("fn:"):
                token = token.split(":")[1]
            if token.endswith((".fozzy.json", ".py")) or "corpora/" in token:
                assert (tmp_path / token).exists(), (cmd, token)
    assert "fozzy --proc-backend host --fs-backend host run host/host.pass.fozzy.json" in guide


def test_every_guide_command_but_fuzz_passes_as_written(tmp_path: Path) -> None:
    """The fuzz command runs for 10 s; the next test runs the same target for a fixed count."""
    init_json(tmp_path, "init")
    guide = (tmp_path / "tests/INIT_GUIDE.md").read_text()
    commands = [
        shlex.split(block.strip())
        for block in re.findall(r"```sh\n(.*?)\n\s*```", guide, flags=re.DOTALL)
    ]
    ran = 0
    for argv in commands:
        assert argv[0] == "fozzy"
        if "fuzz" in argv:
            continue
        r = fozzy(tmp_path, *argv[1:])
        assert r.returncode == 0, (argv, r.stdout + r.stderr)
        if "--json" in argv:
            assert orjson.loads(r.stdout)["status"] == "pass", argv
        ran += 1
    assert ran == 5


def test_fuzz_starter_passes_its_guide_command(tmp_path: Path) -> None:
    init_json(tmp_path, "init", "--with", "fuzz")
    r = fozzy(
        tmp_path, "fuzz", "fn:fuzz/kv_target.py:check", "--det", "--seed", "7", "--runs", "500",
        "--corpus", ".fozzy/corpora/fn-kv", "--json",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    report = orjson.loads(r.stdout)
    assert report["status"] == "pass"
    assert report["fuzz"]["crashes"] == []
    assert (tmp_path / ".fozzy/corpora/fn-kv/seed.bin").read_bytes() == b"fozzy-seed\n"


def test_second_init_without_force_refuses_and_changes_nothing(tmp_path: Path) -> None:
    init_json(tmp_path, "init")
    (tmp_path / "tests/example.fozzy.json").write_text("edited")
    r = fozzy(tmp_path, "--json", "init")
    assert r.returncode == 2
    err = orjson.loads(r.stdout)
    assert err["status"] == "error"
    assert ".fozzy already exists (use --force to overwrite)" in err["message"]
    assert (tmp_path / "tests/example.fozzy.json").read_text() == "edited"


def test_force_overwrites_scaffold_files_and_leaves_other_files(tmp_path: Path) -> None:
    init_json(tmp_path, "init")
    (tmp_path / "tests/example.fozzy.json").write_text("edited")
    (tmp_path / "tests/mine.fozzy.json").write_text("mine")
    (tmp_path / "fozzy.toml").write_text('base_dir = ".fozzy"\nfail_on_leak = true\n')
    doc = init_json(tmp_path, "init", "--force")
    assert actions(doc)["tests/example.fozzy.json"] == "overwritten"
    assert actions(doc)["fozzy.toml"] == "overwritten"
    assert orjson.loads((tmp_path / "tests/example.fozzy.json").read_bytes())["name"] == "example"
    assert (tmp_path / "tests/mine.fozzy.json").read_text() == "mine"
    # The rewritten config is the effective one: the custom value survives.
    cfg = tomllib.loads((tmp_path / "fozzy.toml").read_text())
    assert cfg["fail_on_leak"] is True
    assert "reporter" in cfg


def test_existing_scaffold_files_are_kept_without_force(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/example.fozzy.json").write_text("mine")
    (tmp_path / "fozzy.toml").write_text("# my config\nmem_track = true\n")
    doc = init_json(tmp_path, "init")
    assert actions(doc)["tests/example.fozzy.json"] == "kept"
    assert actions(doc)["fozzy.toml"] == "kept"
    assert actions(doc)["tests/run.pass.fozzy.json"] == "created"
    assert (tmp_path / "tests/example.fozzy.json").read_text() == "mine"
    assert (tmp_path / "fozzy.toml").read_text() == "# my config\nmem_track = true\n"


def test_custom_config_name_is_written_and_fozzy_toml_is_not(tmp_path: Path) -> None:
    doc = init_json(tmp_path, "--config", "custom.toml", "init")
    assert actions(doc)["custom.toml"] == "created"
    assert not (tmp_path / "fozzy.toml").exists()
    assert tomllib.loads((tmp_path / "custom.toml").read_text()) == tomllib.loads(
        Config().to_toml()
    )


def test_custom_config_is_kept_without_force_and_its_base_dir_is_used(tmp_path: Path) -> None:
    original = '# team settings\nbase_dir = "artifacts"\nproc_backend = "host"\n'
    (tmp_path / "custom.toml").write_text(original)
    doc = init_json(tmp_path, "init", "--config", "custom.toml")
    assert actions(doc)["custom.toml"] == "kept"
    assert (tmp_path / "custom.toml").read_text() == original
    assert not (tmp_path / "fozzy.toml").exists()
    assert (tmp_path / "artifacts/runs").is_dir()
    assert (tmp_path / "artifacts/corpora/fn-kv/seed.bin").is_file()
    assert not (tmp_path / ".fozzy").exists()
    assert "--corpus artifacts/corpora/fn-kv" in (tmp_path / "tests/INIT_GUIDE.md").read_text()

    r = fozzy(tmp_path, "--json", "--config", "custom.toml", "init")
    assert r.returncode == 2
    assert "artifacts already exists" in orjson.loads(r.stdout)["message"]

    doc = init_json(tmp_path, "--config", "custom.toml", "init", "--force")
    assert actions(doc)["custom.toml"] == "overwritten"
    rewritten = (tmp_path / "custom.toml").read_text()
    assert rewritten != original
    cfg = tomllib.loads(rewritten)
    assert (cfg["base_dir"], cfg["proc_backend"]) == ("artifacts", "host")
    assert not (tmp_path / "fozzy.toml").exists()


def test_config_path_is_relative_to_cwd(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    init_json(tmp_path, "--cwd", "proj", "--config", "conf/fozzy.toml", "init", "--with", "run")
    assert (proj / "conf/fozzy.toml").is_file()
    assert (proj / "tests/example.fozzy.json").is_file()
    assert (proj / ".fozzy/runs").is_dir()
    assert files_under(tmp_path) == {
        "proj/" + p for p in ("conf/fozzy.toml", "tests/example.fozzy.json",
                              "tests/run.pass.fozzy.json", "tests/INIT_GUIDE.md")
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--with", "memory"], {"tests/memory.pass.fozzy.json"}),
        (["--with", "explore,host"],
         {"explore/distributed.pass.fozzy.json", "host/host.pass.fozzy.json"}),
        (["--with", "run", "--with", "memory"],
         {"tests/example.fozzy.json", "tests/run.pass.fozzy.json",
          "tests/memory.pass.fozzy.json"}),
        (["--with", "fuzz"], {"fuzz/kv_target.py", ".fozzy/corpora/fn-kv/seed.bin"}),
        (["--with", "memory,all"], ALL_FILES - {"fozzy.toml", "tests/INIT_GUIDE.md"}),
        (["--with", ""], ALL_FILES - {"fozzy.toml", "tests/INIT_GUIDE.md"}),
        (["--with", "memory", "--all-tests"], ALL_FILES - {"fozzy.toml", "tests/INIT_GUIDE.md"}),
    ],
)
def test_with_selects_starter_types(tmp_path: Path, args: list[str], expected: set[str]) -> None:
    init_json(tmp_path, "init", *args)
    assert files_under(tmp_path) == expected | {"fozzy.toml", "tests/INIT_GUIDE.md"}


def test_guide_lists_only_the_selected_types(tmp_path: Path) -> None:
    init_json(tmp_path, "init", "--with", "memory")
    guide = (tmp_path / "tests/INIT_GUIDE.md").read_text()
    assert "fozzy run tests/memory.pass.fozzy.json" in guide
    assert "fozzy explore" not in guide and "fozzy fuzz" not in guide


@pytest.mark.parametrize("template", ["rust", "ts"])
def test_templates_with_extras_write_a_readme(tmp_path: Path, template: str) -> None:
    init_json(tmp_path, "init", "--template", template, "--with", "run")
    readme = (tmp_path / "README.md").read_text()
    assert ("Rust" if template == "rust" else "TypeScript") in readme
    assert "fozzy test --det --json" in readme


def test_template_readme_is_not_overwritten_without_force(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# my project\n")
    init_json(tmp_path, "init", "--template", "rust")
    assert (tmp_path / "README.md").read_text() == "# my project\n"


def test_minimal_template_writes_no_readme(tmp_path: Path) -> None:
    init_json(tmp_path, "init", "--template", "minimal")
    assert not (tmp_path / "README.md").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["init", "--with", "run,bogus"], "unknown --with type 'bogus'"),
        (["init", "--template", "go"], "--template must be one of minimal|rust|ts"),
    ],
)
def test_bad_arguments_exit_2_and_create_nothing(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    r = fozzy(tmp_path, "--json", *args)
    assert r.returncode == 2
    assert expected in orjson.loads(r.stdout)["message"]
    assert list(tmp_path.iterdir()) == []


def test_broken_config_fails_init_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "fozzy.toml").write_text("base_dri = 'x'\n")
    r = fozzy(tmp_path, "init")
    assert r.returncode == 2
    assert "config error: failed to parse config fozzy.toml" in r.stderr
    assert "did you mean `base_dir`" in r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fozzy.toml"]
