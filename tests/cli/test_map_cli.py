"""`fozzy map hotspots|services|suites` over a repository with unreadable and invalid files."""

from __future__ import annotations

from pathlib import Path

from tests import mapfixture as fx
from tests.cli.clikit import error_of, fozzy, ok_json

DEGRADED = ("skippedSourceFiles", "unreadableScenarios", "invalidScenarios",
            "declarationOnlyScenarios", "warnings")


def test_all_three_reports_name_each_degraded_read(tmp_path: Path) -> None:
    fx.build(tmp_path)
    reports = {
        "hotspots": ok_json(tmp_path, "map", "hotspots", "--min-risk", "0"),
        "services": ok_json(tmp_path, "map", "services"),
        "suites": ok_json(tmp_path, "map", "suites", "--min-risk", "0"),
    }
    for name, report in reports.items():
        assert report["schemaVersion"].startswith("fozzy.map_" + name), name
        assert report["root"] == str(tmp_path)
        assert any(s.startswith(fx.UNREADABLE_SOURCE) for s in report["skippedSourceFiles"])
        assert report["unreadableScenarios"][0].startswith(fx.NOT_JSON)
        assert report["invalidScenarios"][0].startswith(fx.INVALID)
        assert report["declarationOnlyScenarios"] == [fx.DECLARATION_ONLY]
        assert len(report["warnings"]) == 4
    hot = reports["hotspots"]["hotspots"]
    assert hot[0]["path"] == "src/billing/server.py" and hot[0]["analysis"] == "ast"
    # Thread(...) and its .start(); the docstring-free worker has async def, 2 awaits, a call
    assert hot[0]["signals"]["concurrencySignals"] == 2
    assert reports["services"]["services"] == [{
        "name": "src", "path": "src", "kind": "service", "fileCount": 2,
        "entrypointSignals": 1, "externalSignals": 2, "concurrencySignals": 6,
    }]
    suites = reports["suites"]
    assert suites["scenarioCount"] == 1 and suites["profile"] == "pedantic"
    assert suites["shrinkPolicy"] == "no_known_failures"


def test_human_output_lists_warnings(tmp_path: Path) -> None:
    fx.build(tmp_path)
    r = fozzy(tmp_path, "map", "suites")
    assert r.returncode == 0, r.stderr
    assert "warning: 1 scenario file(s) are not valid scenarios" in r.stdout
    assert f"invalidScenarios: {fx.INVALID}" in r.stdout


def test_clean_repository_reports_have_no_degraded_members(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "a.py").write_text("import subprocess\nsubprocess.run(['x'])\n")
    for sub in (("hotspots", "--min-risk", "0"), ("services",), ("suites", "--min-risk", "0")):
        report = ok_json(tmp_path, "map", *sub)
        assert not set(DEGRADED) & set(report), sub


def test_bad_flags_are_one_line_errors(tmp_path: Path) -> None:
    assert "--root" in error_of(tmp_path, "map", "hotspots", "--root", "missing")
    assert "--profile" in error_of(tmp_path, "map", "suites", "--profile", "lax")
    assert "--shrink-policy" in error_of(tmp_path, "map", "suites", "--shrink-policy", "x")
    assert "--min-risk" in error_of(tmp_path, "map", "hotspots", "--min-risk", "101")
    assert "--offset" in error_of(tmp_path, "map", "suites", "--offset", "-1")


def test_file_count_limit(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"f{i}.py").write_text("x = 1\n")
    (tmp_path / "fozzy.toml").write_text("[limits]\nmap_files = 2\n")
    assert "map_files" in error_of(tmp_path, "map", "hotspots")


def test_oversized_source_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "fozzy.toml").write_text("[limits]\nsource_bytes = 64\n")
    report = ok_json(tmp_path, "map", "hotspots", "--min-risk", "0")
    assert report["skippedSourceFiles"][0].startswith("big.py: failed to open: larger than")
