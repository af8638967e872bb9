"""Degraded reads: every file a map could not use is named, with a warning, in every report."""

from __future__ import annotations

from pathlib import Path

from fozzy.analysis.map.reports import collect, hotspots_report, services_report
from fozzy.analysis.map.suites import SuitesRequest, suites_report
from tests import mapfixture as fx


def _reports(tmp_path: Path) -> list[dict[str, object]]:
    root = fx.build(tmp_path)
    m = collect(str(root), str(root / "tests"))
    return [hotspots_report(m, 0, 50), services_report(m),
            suites_report(m, SuitesRequest(min_risk=0))]


def test_every_report_names_every_degraded_read(tmp_path: Path) -> None:
    for report in _reports(tmp_path):
        skipped = report["skippedSourceFiles"]
        assert isinstance(skipped, list)
        assert any(s.startswith(fx.UNREADABLE_SOURCE + ": failed to decode") for s in skipped)
        assert any(s.startswith("src/billing/pipe.py: failed to open: is a FIFO")
                   for s in skipped)
        assert [u.split(":")[0] for u in report["unreadableScenarios"]] == [fx.NOT_JSON]
        invalid = report["invalidScenarios"]
        assert isinstance(invalid, list) and len(invalid) == 1
        assert invalid[0].startswith(fx.INVALID + ": ") and "valeu" in invalid[0]
        assert report["declarationOnlyScenarios"] == [fx.DECLARATION_ONLY]
        warnings = report["warnings"]
        assert isinstance(warnings, list) and len(warnings) == 4
        assert "hotspot coverage is incomplete" in warnings[0]


def test_skipped_dirs_are_not_scanned(tmp_path: Path) -> None:
    hot = _reports(tmp_path)[0]["hotspots"]
    assert isinstance(hot, list)
    assert sorted(h["path"] for h in hot) == ["src/billing/server.py", "src/billing/worker.py"]


def test_invalid_scenarios_are_not_coverage(tmp_path: Path) -> None:
    suites = _reports(tmp_path)[2]
    assert suites["scenarioCount"] == 1
    for entry in suites["suites"]:  # type: ignore[attr-defined]
        for ev in entry["coverageEvidence"]:
            assert ev["matchedScenarios"] == [fx.VALID]


def test_clean_repository_has_no_degraded_members(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import threading\nthreading.Thread()\n")
    m = collect(str(tmp_path), str(tmp_path))
    report = hotspots_report(m, 0, 10)
    for key in ("skippedSourceFiles", "unreadableScenarios", "invalidScenarios",
                "declarationOnlyScenarios", "warnings"):
        assert key not in report
    assert report["scannedFiles"] == 1


def test_missing_scenario_root_is_a_warning(tmp_path: Path) -> None:
    m = collect(str(tmp_path), str(tmp_path / "nope"))
    assert "does not exist" in services_report(m)["warnings"][0]
