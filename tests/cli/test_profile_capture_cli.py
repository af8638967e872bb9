"""`--profile-capture baseline|full` on run/replay, and the heap budgets from fozzy.toml."""

from __future__ import annotations

from pathlib import Path

from tests.cli.clikit import error_of, fozzy, ok_json, scenario

STEPS = [
    {"type": "memory_alloc", "bytes": 4096, "key": "a"},
    {"type": "sleep", "duration": "15ms"},
    {"type": "memory_free", "key": "a"},
    {"type": "memory_alloc", "bytes": 100, "key": "b"},
    {"type": "memory_free", "key": "b"},
]


def files(summary: dict[str, object]) -> list[str]:
    ident = summary["identity"]
    assert isinstance(ident, dict)
    return sorted(p.name for p in Path(ident["artifactsDir"]).iterdir())


def test_full_capture_keeps_what_profiles_read_for_a_passing_run(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", STEPS)
    baseline = ok_json(tmp_path, "run", path, "--det")
    assert "events.json" not in files(baseline)
    full = ok_json(tmp_path, "run", path, "--det", "--profile-capture", "full")
    assert {"events.json", "timeline.json", "measurements.json"} <= set(files(full))
    top = ok_json(tmp_path, "profile", "top", full["identity"]["runId"], "--latency", "--heap")
    assert top["latency"]["distribution"]["maxMs"] == 15
    assert top["heap"][0]["allocBytes"] == 4096


def test_replay_full_capture(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", STEPS)
    ok_json(tmp_path, "run", path, "--det", "--record", "t.fozzy")
    plain = ok_json(tmp_path, "replay", "t.fozzy")
    assert "events.json" not in files(plain)
    full = ok_json(tmp_path, "replay", "t.fozzy", "--profile-capture", "full")
    assert "events.json" in files(full)


def test_bad_capture_value_is_a_usage_error(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", STEPS)
    assert "--profile-capture must be baseline or full" in error_of(
        tmp_path, "run", path, "--profile-capture", "most")
    assert not (tmp_path / ".fozzy" / "runs").exists()


def test_heap_budgets_add_checker_findings(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", [*STEPS, {"type": "memory_alloc", "bytes": 64, "key": "c"},
                                    {"type": "memory_free", "key": "c"}])
    (tmp_path / "fozzy.toml").write_text(
        "profile_heap_alloc_budget = 1000\nprofile_heap_in_use_budget = 0\n")
    assert "heap allocations 4260 bytes exceed profile_heap_alloc_budget 1000 bytes" in (
        error_of(tmp_path, "run", path, "--det"))
    r = fozzy(tmp_path, "run", path, "--det", "--unsafe", "--json")
    assert r.returncode == 0, r.stderr
    assert '"heap_alloc_budget"' in r.stdout and '"heap_in_use_budget"' not in r.stdout
    (tmp_path / "fozzy.toml").write_text("profile_heap_alloc_budget = 5000\n")
    assert "findings" not in ok_json(tmp_path, "run", path, "--det")


def test_heap_in_use_budget_counts_what_is_still_allocated(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", [{"type": "memory_alloc", "bytes": 300, "key": "a"}])
    (tmp_path / "fozzy.toml").write_text("profile_heap_in_use_budget = 200\n")
    r = fozzy(tmp_path, "run", path, "--det", "--unsafe", "--json")
    assert "heap in use at the end 300 bytes exceeds profile_heap_in_use_budget 200" in r.stdout


def test_budget_must_be_a_non_negative_integer(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", STEPS)
    (tmp_path / "fozzy.toml").write_text('profile_heap_alloc_budget = "lots"\n')
    assert "profile_heap_alloc_budget" in error_of(tmp_path, "run", path)
