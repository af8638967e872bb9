"""`artifacts export` and `pack` carry `measurements.json`, and what they carry still profiles."""

from __future__ import annotations

import zipfile
from pathlib import Path

import orjson

from tests.cli.clikit import fozzy, ok_json, scenario

STEPS = [{"type": "set_kv", "key": "k", "value": "v"}, {"type": "sleep", "duration": "2ms"}]


def test_export_of_a_suite_carries_its_measurements_and_profiles_the_same(
        tmp_path: Path) -> None:
    scenario(tmp_path, "a", STEPS)
    scenario(tmp_path, "b", STEPS)
    done = ok_json(tmp_path, "test", "a.fozzy.json", "b.fozzy.json", "--jobs", "2",
                   "--profile-capture", "full")
    run_id = done["identity"]["runId"]
    stored = (Path(done["identity"]["artifactsDir"]) / "measurements.json").read_bytes()
    ok_json(tmp_path, "artifacts", "export", run_id, "--out", "out")
    assert (tmp_path / "out" / "measurements.json").read_bytes() == stored
    ok_json(tmp_path, "artifacts", "export", run_id, "--out", "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert zf.read("measurements.json") == stored
    top = ok_json(tmp_path, "profile", "top", str(tmp_path / "out"), "--cpu")
    assert top["cpu"] == ok_json(tmp_path, "profile", "top", run_id, "--cpu")["cpu"]
    assert {r["stack"].split(";")[0] for r in top["cpu"]} == {"scenario a", "scenario b"}


def test_pack_of_a_run_carries_its_measurements(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", [*STEPS, {"type": "assert_eq_int", "a": 1, "b": 2}])
    r = fozzy(tmp_path, "run", path, "--det", "--json")
    assert r.returncode == 1, r.stderr
    rdir = Path(orjson.loads(r.stdout)["identity"]["artifactsDir"])
    ok_json(tmp_path, "artifacts", "pack", "latest", "--out", "pack.zip")
    with zipfile.ZipFile(tmp_path / "pack.zip") as zf:
        assert "measurements.json" in zf.namelist() and "env.json" in zf.namelist()
        assert zf.read("measurements.json") == (rdir / "measurements.json").read_bytes()
        steps = orjson.loads(zf.read("measurements.json"))["steps"]
    assert [s["type"] for s in steps] == ["set_kv", "sleep", "assert_eq_int"]
