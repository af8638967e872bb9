"""The documents the CLI prints have the shapes fozzy.documents declares (issue 17 item 3):
every required key present, no undeclared key, scalar types right. A new or renamed key in a
command's JSON fails here until fozzy/documents.py (and so both SDKs' types) follow."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, Literal

import orjson

from fozzy import documents as d
from fozzy import documents_analysis as a
from tests import mapfixture as fx
from tests.cli.clikit import fozzy, ok_json, scenario

SCALARS = {str: str, int: int, float: (int, float), bool: bool}


def conforms(value: Any, tp: Any, where: str) -> None:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return
    if typing.is_typeddict(tp):
        assert isinstance(value, dict), where
        hints = typing.get_type_hints(tp)
        assert tp.__required_keys__ <= value.keys(), (where, tp.__required_keys__ - value.keys())
        assert value.keys() <= hints.keys(), (where, value.keys() - hints.keys())
        for key, item in value.items():
            conforms(item, hints[key], f"{where}.{key}")
    elif origin in (typing.NotRequired, typing.Required):
        conforms(value, args[0], where)
    elif origin in (typing.Union, types.UnionType):
        errors = []
        for option in args:
            try:
                conforms(value, option, where)
                return
            except AssertionError as e:
                errors.append(e)
        raise AssertionError(where, value, errors)
    elif tp is type(None):
        assert value is None, (where, value)
    elif origin is Literal:
        assert value in args, (where, value)
    elif origin is list:
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            conforms(item, args[0], f"{where}[{i}]")
    elif origin is dict:
        assert isinstance(value, dict), where
        for key, item in value.items():
            conforms(item, args[1], f"{where}.{key}")
    else:
        assert isinstance(value, SCALARS[tp]) and not (tp is int and isinstance(value, bool)), (
            where, value)


def test_cli_documents_conform(tmp_path: Path) -> None:
    ok = scenario(tmp_path, "ok", [{"type": "set_kv", "key": "a", "value": "1"}])
    scenario(tmp_path, "bad", [{"type": "assert_ok", "value": False, "msg": "no"}])
    run = ok_json(tmp_path, "run", ok, "--det", "--seed", "3", "--record", "ok.fozzy")
    trace = run["identity"]["tracePath"]
    checks: list[tuple[Any, Any]] = [
        (run, d.RunSummary),
        (ok_json(tmp_path, "version"), d.VersionDoc),
        (ok_json(tmp_path, "usage"), d.UsageDoc),
        (ok_json(tmp_path, "schema"), d.SchemaDoc),
        (ok_json(tmp_path, "validate", ok), d.ValidateReport),
        (ok_json(tmp_path, "trace", "verify", trace), d.TraceVerify),
        (ok_json(tmp_path, "ci", trace), d.CiReport),
        (ok_json(tmp_path, "doctor"), d.DoctorReport),
        (ok_json(tmp_path, "artifacts", "ls", trace), d.ArtifactsList),
        (ok_json(tmp_path, "report", "show", trace), d.ReportShow),
        (ok_json(tmp_path, "artifacts", "export", trace, "--out", "x.zip"), d.ExportDoc),
    ]
    again = ok_json(tmp_path, "run", ok, "--det", "--seed", "3")
    checks.append((ok_json(tmp_path, "report", "flaky", trace, again["identity"]["runId"]),
                   d.FlakyReport))
    (tmp_path / "in.bin").write_bytes(b"x")
    ok_json(tmp_path, "corpus", "add", "corp", "in.bin")
    checks.append((ok_json(tmp_path, "corpus", "list", "corp"), d.CorpusList))
    for doc, tp in checks:
        conforms(doc, tp, tp.__name__)


def test_failing_suite_conforms(tmp_path: Path) -> None:
    scenario(tmp_path, "ok", [{"type": "set_kv", "key": "a", "value": "1"}])
    scenario(tmp_path, "bad", [{"type": "assert_ok", "value": False, "msg": "no"}])
    r = fozzy(tmp_path, "test", "*.fozzy.json", "--det", "--seed", "1", "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    conforms(orjson.loads(r.stdout), d.RunSummary, "RunSummary")
    r = fozzy(tmp_path, "run", "bad.fozzy.json", "--det", "--seed", "1", "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    failed = orjson.loads(r.stdout)
    assert "reproduce" in failed
    conforms(failed, d.RunSummary, "RunSummary")


def test_analysis_documents_conform(tmp_path: Path) -> None:
    """profile, map and gate: the documents behind the SDKs' profile_*/map_*/gate types."""
    steps = [{"type": "set_kv", "key": "a", "value": "1"}, {"type": "sleep", "duration": "5ms"}]
    ok = scenario(tmp_path, "ok", steps)
    run = ok_json(tmp_path, "run", ok, "--det", "--record", "ok.fozzy", "--profile-capture",
                  "full")
    trace = run["identity"]["tracePath"]
    checks: list[tuple[Any, Any]] = [
        (ok_json(tmp_path, "profile", "top", trace), a.ProfileTop),
        (ok_json(tmp_path, "profile", "flame", trace), a.ProfileFlame),
        (ok_json(tmp_path, "profile", "flame", trace, "--format", "speedscope", "--out", "f.json"),
         a.ProfileFlame),
        (ok_json(tmp_path, "profile", "timeline", trace), a.ProfileTimeline),
        (ok_json(tmp_path, "profile", "timeline", trace, "--format", "html"), a.ProfileTimeline),
        (ok_json(tmp_path, "profile", "timeline", trace, "--out", "t.json"), a.ProfileTimeline),
        (ok_json(tmp_path, "profile", "diff", trace, f"{trace},{trace}"), a.ProfileDiff),
        (ok_json(tmp_path, "profile", "explain", trace), a.ProfileExplain),
        (ok_json(tmp_path, "profile", "explain", trace, "--diff-with", trace), a.ProfileExplain),
        (ok_json(tmp_path, "profile", "export", trace, "--format", "pprof", "--out", "p.pb"),
         a.ProfileFile),
        (ok_json(tmp_path, "profile", "shrink", trace, "--metric", "max_latency_ms",
                 "--above", "0", "--budget", "5s"), a.ProfileShrink),
        (ok_json(tmp_path, "profile", "env"), a.ProfileEnv),
        (ok_json(tmp_path, "profile", "doctor", trace), a.ProfileDoctor),
    ]
    (tmp_path / "tests").mkdir()
    scenario(tmp_path / "tests", "ok", steps)
    checks.append((ok_json(tmp_path, "gate", "--scenario-root", "tests", "--doctor-runs", "2"),
                   a.GateReport))
    repo = tmp_path / "repo"
    repo.mkdir()
    fx.build(repo)
    checks += [(ok_json(repo, "map", "hotspots", "--min-risk", "0"), a.MapHotspots),
               (ok_json(repo, "map", "services"), a.MapServices),
               (ok_json(repo, "map", "suites", "--min-risk", "0"), a.MapSuites)]
    for doc, tp in checks:
        conforms(doc, tp, tp.__name__)
