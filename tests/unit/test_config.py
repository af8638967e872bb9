"""`fozzy.toml` is loaded strictly: a missing file means defaults, anything else that is not a
valid config is an error naming the file (spec §1.5, Appendix A.20)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from fozzy.config import Config, load_config
from fozzy.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "fozzy.toml") -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_missing_file_gives_defaults_and_says_not_loaded(tmp_path: Path) -> None:
    cfg = load_config(str(tmp_path / "nope.toml"))
    assert cfg == Config()
    assert cfg.loaded is False


def test_every_key_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, """
base_dir = "out"
reporter = "junit"
proc_backend = "host"
fs_backend = "host"
http_backend = "host"
mem_track = true
mem_limit_mb = 64
mem_fail_after = 3
fail_on_leak = true
leak_budget = 4096
mem_fragmentation_seed = 7
mem_pressure_wave = "1,2,4"
mem_artifacts = true
max_output_bytes = 1024
max_http_body_bytes = 2048
""")
    cfg = load_config(path)
    assert cfg.loaded is True
    assert (cfg.base_dir, cfg.reporter) == ("out", "junit")
    assert (cfg.proc_backend, cfg.fs_backend, cfg.http_backend) == ("host", "host", "host")
    assert (cfg.mem_track, cfg.fail_on_leak, cfg.mem_artifacts) == (True, True, True)
    assert (cfg.mem_limit_mb, cfg.mem_fail_after, cfg.leak_budget) == (64, 3, 4096)
    assert (cfg.mem_fragmentation_seed, cfg.mem_pressure_wave) == (7, "1,2,4")
    assert (cfg.max_output_bytes, cfg.max_http_body_bytes) == (1024, 2048)


def test_empty_file_is_all_defaults_but_loaded(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, ""))
    assert cfg == Config()
    assert cfg.loaded is True


def test_unknown_key_is_an_error_with_the_closest_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'fs_bakend = "host"\n')
    with pytest.raises(ConfigError) as e:
        load_config(path)
    msg = e.value.render()
    assert msg.startswith(f"config error: failed to parse config {path}")
    assert "unknown key `fs_bakend`" in msg
    assert "did you mean `fs_backend`" in msg


def test_unknown_key_without_a_near_match_has_no_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, "zzzzzz = 1\n"))
    assert "unknown key `zzzzzz`" in e.value.message
    assert "did you mean" not in e.value.message


def test_a_table_is_an_unknown_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown key `tool`"):
        load_config(write(tmp_path, "[tool]\nx = 1\n"))


def test_invalid_toml_is_a_parse_error(tmp_path: Path) -> None:
    path = write(tmp_path, "base_dir = \n")
    with pytest.raises(ConfigError, match="failed to parse config") as e:
        load_config(path)
    assert path in e.value.message


def test_non_utf8_is_a_parse_error(tmp_path: Path) -> None:
    p = tmp_path / "fozzy.toml"
    p.write_bytes(b'base_dir = "\xff"\n')
    with pytest.raises(ConfigError, match="failed to parse config"):
        load_config(str(p))


def test_unreadable_config_is_a_read_error(tmp_path: Path) -> None:
    d = tmp_path / "fozzy.toml"
    d.mkdir()
    with pytest.raises(ConfigError, match=f"failed to read config {d}"):
        load_config(str(d))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('mem_track = "yes"', "`mem_track` must be a boolean"),
        ("fail_on_leak = 1", "`fail_on_leak` must be a boolean"),
        ('mem_limit_mb = "64"', "`mem_limit_mb` must be a non-negative integer"),
        ("leak_budget = -1", "`leak_budget` must be a non-negative integer"),
        ("mem_fail_after = true", "`mem_fail_after` must be a non-negative integer"),
        ("mem_fragmentation_seed = 1.5", "`mem_fragmentation_seed` must be a non-negative"),
        ("max_output_bytes = 0", "`max_output_bytes` must be a positive integer"),
        ("base_dir = 3", "`base_dir` must be a string"),
        ('base_dir = "  "', "`base_dir` must be a non-empty path"),
        ('proc_backend = "virtual"', "`proc_backend` must be one of scripted|host"),
        ('fs_backend = "scripted"', "`fs_backend` must be one of virtual|host"),
        ('http_backend = "real"', "`http_backend` must be one of scripted|host"),
        ('reporter = "xml"', "`reporter` must be one of pretty|json|junit|html"),
    ],
)
def test_wrong_type_or_value_is_a_parse_error(tmp_path: Path, line: str, expected: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, line + "\n"))
    assert "failed to parse config" in e.value.message
    assert expected in e.value.message


def test_default_toml_has_the_documented_keys_and_omits_unset_ones() -> None:
    text = Config().to_toml()
    data = tomllib.loads(text)
    assert data["base_dir"] == ".fozzy"
    assert data["reporter"] == "pretty"
    assert (data["proc_backend"], data["fs_backend"], data["http_backend"]) == (
        "scripted", "virtual", "scripted"
    )
    assert (data["mem_track"], data["fail_on_leak"], data["mem_artifacts"]) == (
        False, False, False
    )
    for unset in ("mem_limit_mb", "mem_fail_after", "leak_budget", "mem_fragmentation_seed",
                  "mem_pressure_wave"):
        assert unset not in data
    assert "path" not in data and "loaded" not in data


def test_to_toml_round_trips_every_value(tmp_path: Path) -> None:
    cfg = Config(
        base_dir='we"ird\\dir', proc_backend="host", mem_track=True, mem_limit_mb=5,
        leak_budget=0, mem_pressure_wave="1, 2", max_http_body_bytes=99,
    )
    again = load_config(write(tmp_path, cfg.to_toml()))
    assert again == cfg
