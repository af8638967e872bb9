"""`fozzy artifacts ls|diff|export|pack` through the real command, on real run directories."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli.clikit import error_of, fozzy, ok_json, scenario

FAIL: list[dict[str, Any]] = [
    {"type": "trace_event", "name": "hello", "fields": {}},
    {"type": "assert_eq_int", "a": 1, "b": 2, "msg": "one is not two"}]
PASS: list[dict[str, Any]] = [
    {"type": "rand_u64", "key": "r"}, {"type": "assert_eq_int", "a": 1, "b": 1}]


def run(tmp_path: Path, steps: list[dict[str, Any]], *flags: str) -> dict[str, Any]:
    r = fozzy(tmp_path, "run", scenario(tmp_path, "s", steps), "--det", "--json", *flags)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    summary: dict[str, Any] = orjson.loads(r.stdout)
    return summary


def test_ls_lists_verified_files_the_same_for_every_selector(tmp_path: Path) -> None:
    s = run(tmp_path, FAIL, "--seed", "1")
    rid, rdir = s["identity"]["runId"], s["identity"]["artifactsDir"]
    out = ok_json(tmp_path, "artifacts", "ls", "latest")
    assert out["type"] == "list"
    assert [(e["kind"], Path(e["path"]).name) for e in out["entries"]] == [
        ("trace", "trace.fozzy"), ("timeline", "timeline.json"),
        ("profile", "measurements.json"), ("report", "report.json"),
        ("events", "events.json"), ("manifest", "manifest.json")]
    assert all(Path(e["path"]).parent == Path(rdir) for e in out["entries"])
    assert all(e["sizeBytes"] == Path(e["path"]).stat().st_size for e in out["entries"])
    for sel in (rid, rdir, "last-fail"):
        assert ok_json(tmp_path, "artifacts", "ls", sel) == out


def test_ls_of_a_recorded_trace_and_bad_selectors(tmp_path: Path) -> None:
    scenario(tmp_path, "p", PASS)
    r = fozzy(tmp_path, "test", "p.fozzy.json", "--det", "--seed", "3", "--record", "t.fozzy")
    assert r.returncode == 0, r.stderr
    out = ok_json(tmp_path, "artifacts", "ls", "./t.fozzy")
    assert out["entries"] == [{"kind": "trace", "path": str(tmp_path / "t.fozzy"),
                               "sizeBytes": (tmp_path / "t.fozzy").stat().st_size}]
    assert "trace path not found" in error_of(tmp_path, "artifacts", "ls", "nope.fozzy")
    assert "no run or trace found" in error_of(tmp_path, "artifacts", "ls", "nope")
    human = fozzy(tmp_path, "artifacts", "ls", "nope")
    assert human.returncode == 2 and "Traceback" not in human.stderr
    assert human.stderr.count("\n") == 1


def test_tampered_run_is_refused(tmp_path: Path) -> None:
    s = run(tmp_path, FAIL, "--seed", "1")
    (Path(s["identity"]["artifactsDir"]) / "timeline.json").write_text("[]")
    message = error_of(tmp_path, "artifacts", "ls", s["identity"]["runId"])
    assert "changed after the run wrote it" in message


def test_export_to_directory_refuses_non_empty_and_never_deletes(tmp_path: Path) -> None:
    s = run(tmp_path, FAIL, "--seed", "1")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    (out / "report.json").write_text("old")
    assert "not empty" in error_of(tmp_path, "artifacts", "export", "latest", "--out", "out")
    assert (out / "report.json").read_text() == "old"
    done = ok_json(tmp_path, "artifacts", "export", "latest", "--out", "out", "--force")
    assert done["type"] == "exported" and done["out"] == str(out)
    assert (out / "mine.txt").read_text() == "keep me"
    rdir = Path(s["identity"]["artifactsDir"])
    for name in ("trace.fozzy", "report.json", "manifest.json", "events.json", "timeline.json",
                 "measurements.json"):
        assert (out / name).read_bytes() == (rdir / name).read_bytes()
    # The exported directory is itself a verifiable run directory, its profile block included.
    shown = ok_json(tmp_path, "report", "show", "out", "--format", "json")
    assert shown == ok_json(tmp_path, "report", "show", s["identity"]["runId"], "--format", "json")
    assert shown.pop("profile")["totals"]["steps"] > 0 and shown == s


def test_export_refuses_symlinked_output(tmp_path: Path) -> None:
    run(tmp_path, FAIL, "--seed", "1")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert "symlink" in error_of(tmp_path, "artifacts", "export", "latest", "--out", "link")


def test_export_zip_is_flat_deterministic_and_not_clobbered(tmp_path: Path) -> None:
    run(tmp_path, FAIL, "--seed", "1")
    ok_json(tmp_path, "artifacts", "export", "latest", "--out", "a.ZIP")
    with zipfile.ZipFile(tmp_path / "a.ZIP") as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["trace.fozzy", "timeline.json",
                                              "measurements.json", "report.json",
                                              "events.json", "manifest.json"]
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert all((i.external_attr >> 16) & 0o777 == 0o644 for i in infos)
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
    first = (tmp_path / "a.ZIP").read_bytes()
    assert "already exists" in error_of(
        tmp_path, "artifacts", "export", "latest", "--out", "a.ZIP")
    ok_json(tmp_path, "artifacts", "export", "latest", "--out", "a.ZIP", "--force")
    assert (tmp_path / "a.ZIP").read_bytes() == first
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_pack_carries_a_verifiable_trace_and_environment(tmp_path: Path) -> None:
    scenario(tmp_path, "p", PASS)
    r = fozzy(tmp_path, "test", "p.fozzy.json", "--det", "--seed", "3", "--record",
              "my trace.fozzy")
    assert r.returncode == 0, r.stderr
    ok_json(tmp_path, "artifacts", "pack", "my trace.fozzy", "--out", "pack.zip")
    with zipfile.ZipFile(tmp_path / "pack.zip") as zf:
        assert zf.namelist() == ["my_trace.fozzy", "env.json", "version.json",
                                 "commandline.json"]
        zf.extractall(tmp_path / "colleague")
    got = tmp_path / "colleague"
    assert (got / "my_trace.fozzy").read_bytes() == (tmp_path / "my trace.fozzy").read_bytes()
    assert orjson.loads((got / "commandline.json").read_bytes()) == {
        "command": "fozzy artifacts pack", "target": "my trace.fozzy"}
    assert "version" in orjson.loads((got / "version.json").read_bytes())
    assert "capabilities" in orjson.loads((got / "env.json").read_bytes())
    verdict = fozzy(got, "trace", "verify", "my_trace.fozzy", "--json")
    assert verdict.returncode == 0 and orjson.loads(verdict.stdout)["ok"] is True


def test_pack_without_a_trace_says_so(tmp_path: Path) -> None:
    assert run(tmp_path, PASS, "--seed", "1")["status"] == "pass"  # a pass keeps no trace
    message = error_of(tmp_path, "artifacts", "pack", "latest", "--out", "p.zip")
    assert "has no trace to replay" in message
    assert not (tmp_path / "p.zip").exists()


def test_diff_reports_files_report_and_trace_divergence(tmp_path: Path) -> None:
    left = run(tmp_path, FAIL, "--seed", "1")
    right = run(tmp_path, PASS, "--seed", "1")
    out = ok_json(tmp_path, "artifacts", "diff", left["identity"]["runId"], "latest")
    assert out["type"] == "diff"
    d = out["diff"]
    assert d["right"] == "latest"
    assert d["report"]["leftStatus"] == "fail" and d["report"]["rightStatus"] == "pass"
    assert d["report"]["leftFindings"] == 1 and d["report"]["findingTitlesChanged"] is True
    rows = {row["key"]: row for row in d["files"]}
    assert rows["events:events.json"]["changed"] is True
    assert "rightPath" not in rows["events:events.json"]
    assert rows["report:report.json"]["changed"] is True
    assert right["status"] == "pass"
    scenario(tmp_path, "p", PASS)
    for seed, name in (("3", "a.fozzy"), ("4", "b.fozzy")):
        r = fozzy(tmp_path, "test", "p.fozzy.json", "--det", "--seed", seed, "--record", name)
        assert r.returncode == 0, r.stderr
    trace = ok_json(tmp_path, "artifacts", "diff", "a.fozzy", "b.fozzy")["diff"]["trace"]
    assert trace["leftDecisions"] == trace["rightDecisions"] > 0
    assert trace["firstDecisionDiffIndex"] == 1  # step pick, then the random value
    same = ok_json(tmp_path, "artifacts", "diff", "a.fozzy", "./a.fozzy")["diff"]
    assert not any(row["changed"] for row in same["files"])
    assert "firstDecisionDiffIndex" not in same["trace"]


@pytest.mark.parametrize("sub", ["ls", "export", "pack"])
def test_help_works(tmp_path: Path, sub: str) -> None:
    r = fozzy(tmp_path, "artifacts", sub, "--help")
    assert r.returncode == 0 and "RUN_OR_TRACE" in r.stdout


def test_bundle_hands_off_trace_and_fresh_verdicts_without_a_new_run(tmp_path: Path) -> None:
    s = run(tmp_path, FAIL, "--seed", "1")
    runs = tmp_path / ".fozzy" / "runs"
    out = ok_json(tmp_path, "artifacts", "bundle", "latest", "--out", "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        assert zf.namelist() == [
            "trace.fozzy", "report.json", "manifest.json", "env.json", "version.json",
            "trace_verify.report.json", "replay.report.json", "ci.report.json", "bundle.json"]
        docs = {n: orjson.loads(zf.read(n)) for n in zf.namelist() if n.endswith(".json")}
    assert docs["report.json"] == s
    replayed = docs["replay.report.json"]
    assert replayed["mode"] == "replay" and replayed["status"] == "fail"
    assert replayed["identity"]["tracePath"] == s["identity"]["tracePath"]
    assert [f["title"] for f in replayed["findings"]] == ["assert_eq_int"]
    assert docs["trace_verify.report.json"]["ok"] is True
    ci = docs["ci.report.json"]
    assert docs["bundle.json"] == {"schemaVersion": "fozzy.bundle_report.v1",
                                   "source": "latest", "trace": s["identity"]["tracePath"],
                                   "ciOk": ci["ok"]}
    assert out["ciOk"] is ci["ok"] is True
    # The verification replay wrote no run directory and did not become `latest`.
    assert [p.name for p in runs.iterdir()] == [s["identity"]["runId"]]
    assert ok_json(tmp_path, "report", "query", "latest", "--path", "runId") == \
        s["identity"]["runId"]
