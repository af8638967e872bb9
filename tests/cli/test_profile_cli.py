"""`fozzy profile`: measured profiles of recorded runs, through the real command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli.clikit import error_of, fozzy, ok_json, scenario


def burn(n: int) -> str:
    return f"s=0\nfor i in range({n}): s+=i"


def variant(tmp_path: Path, name: str, n: int) -> str:
    return scenario(tmp_path, name, [
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "proc_spawn", "cmd": sys.executable, "args": ["-c", burn(n)],
         "expect_exit": 0},
        {"type": "sleep", "duration": "5ms"},
        {"type": "get_kv_assert", "key": "k", "equals": "v"},
    ])


def record(tmp_path: Path, path: str, out: str) -> str:
    ok_json(tmp_path, "--proc-backend", "host", "run", path, "--record", out)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """Two light and two heavy recordings of the same scenario shape (repeated samples)."""
    tmp = tmp_path_factory.mktemp("profile")
    light, heavy = variant(tmp, "light", 1_000), variant(tmp, "heavy", 2_000_000)
    traces = {
        "light": [record(tmp, light, f"light{i}.fozzy") for i in range(2)],
        "heavy": [record(tmp, heavy, f"heavy{i}.fozzy") for i in range(2)],
    }
    return tmp, traces


def test_top_without_flags_puts_the_burning_step_first(
        runs: tuple[Path, dict[str, list[str]]]) -> None:
    tmp, traces = runs
    top = ok_json(tmp, "profile", "top", traces["heavy"][0])
    assert top["domains"] == ["cpu", "heap", "latency", "io", "sched"]
    first = top["cpu"][0]
    assert (first["step"], first["type"]) == (1, "proc_spawn")
    assert first["hostCpuMs"] > 0 and first["hostProcesses"] == [sys.executable]
    assert {"domain": "heap", "reason": "no heap allocations in this run"} in top["emptyDomains"]
    assert top["latency"]["criticalPath"][0]["name"] == "step[1] proc_spawn"
    assert "cpu_time_ms" in top["nonDeterministicMetrics"]


def test_top_works_on_a_plain_scripted_trace_and_selectors_agree(tmp_path: Path) -> None:
    path = scenario(tmp_path, "plain", [
        {"type": "memory_alloc", "bytes": 4096, "key": "a"},
        {"type": "sleep", "duration": "20ms"},
        {"type": "assert_eq_int", "a": 1, "b": 2}])
    r = fozzy(tmp_path, "run", path, "--det", "--json")
    assert r.returncode == 1, r.stderr
    summary = orjson.loads(r.stdout)
    by_trace = ok_json(tmp_path, "profile", "top", summary["identity"]["tracePath"])
    by_alias = ok_json(tmp_path, "profile", "top", "latest")
    by_id = ok_json(tmp_path, "profile", "top", summary["identity"]["runId"])
    assert by_trace["cpu"] == by_alias["cpu"] == by_id["cpu"]
    assert by_trace["heap"][0]["allocBytes"] == 4096
    assert by_trace["latency"]["distribution"]["maxMs"] == 20
    heap_only = ok_json(tmp_path, "profile", "top", "latest", "--heap")
    assert "cpu" not in heap_only and heap_only["domains"] == ["heap"]


def test_diff_reports_the_cpu_regression_and_explain_names_the_path(
        runs: tuple[Path, dict[str, list[str]]]) -> None:
    tmp, traces = runs
    light, heavy = ",".join(traces["light"]), ",".join(traces["heavy"])
    out = ok_json(tmp, "profile", "diff", light, heavy, "--cpu")
    assert out["summary"]["verdict"] == "regression_detected"
    row = next(r for r in out["rows"] if r["metric"] == "host_cpu_ms")
    assert row["classification"] == "regression" and row["isSignificant"]
    assert row["confidenceMeta"]["method"] == "stderr"
    assert row["confidenceMeta"]["leftSamples"] == 2
    why = ok_json(tmp, "profile", "explain", heavy, "--diff-with", light)
    assert why["likelyCauseDomain"] == "cpu"
    assert why["topPath"] == f"step[1] proc_spawn;host {sys.executable}"


def test_a_single_sample_per_side_is_never_significant(
        runs: tuple[Path, dict[str, list[str]]]) -> None:
    tmp, traces = runs
    out = ok_json(tmp, "profile", "diff", traces["light"][0], traces["heavy"][0])
    measured = [r for r in out["rows"] if r["measured"]]
    assert measured and not any(r["isSignificant"] for r in measured)
    assert {r["confidenceMeta"]["method"] for r in measured if r["delta"] != 0} == {
        "needs_two_samples_per_side"}


def test_a_run_against_itself_is_stable(runs: tuple[Path, dict[str, list[str]]]) -> None:
    tmp, traces = runs
    one = traces["heavy"][0]
    assert ok_json(tmp, "profile", "diff", one, one)["summary"]["verdict"] == "stable"
    assert ok_json(tmp, "profile", "explain", one, "--diff-with", one)["statement"] == (
        "no measurable shift")
    single = ok_json(tmp, "profile", "explain", one)
    assert single["statement"].startswith("run: most CPU: scenario heavy;step[1] proc_spawn")


def test_doctor_is_ok_on_a_healthy_trace(runs: tuple[Path, dict[str, list[str]]]) -> None:
    tmp, traces = runs
    report = ok_json(tmp, "profile", "doctor", traces["light"][0])
    assert report["ok"] is True, report["issues"]
    assert {c["name"]: c["status"] for c in report["checks"]}["flame_heap"] == "skipped"


def test_env_states_the_determinism_contract(tmp_path: Path) -> None:
    env = ok_json(tmp_path, "profile", "env")
    assert "cpu_time_ms" in env["determinismContract"]["nonDeterministicMetrics"]
    assert "alloc_bytes" in env["determinismContract"]["deterministicMetrics"]


def test_timeline_carries_measured_cost_on_step_spans(
        runs: tuple[Path, dict[str, list[str]]]) -> None:
    tmp, traces = runs
    doc = ok_json(tmp, "profile", "timeline", traces["light"][0])
    ends = [e for e in doc["events"] if e["kind"] == "span_end"]
    assert len(ends) == 4 and all("measured" in e for e in ends)


@pytest.mark.parametrize(("args", "needle"), [
    (("top", "nope.fozzy"), "trace path not found"),
    (("top", "no-such-run"), "no run or trace found"),
    (("diff", "a.fozzy,", "b.fozzy"), "empty selector"),
    (("top", "T", "--limit", "0"), "--limit must be at least 1"),
    (("top", "T", "--heap"), "profile domain heap is empty"),
    (("flame", "T", "--format", "png"), "--format must be one of"),
    (("flame", "T", "--cpu", "--heap"), "pick one domain"),
    (("export", "T", "--format", "otlp", "--cpu", "--out", "x.json"), "takes no domain flag"),
    (("export", "T", "--format", "pprof", "--out", "."), "is a directory"),
])
def test_bad_input_is_a_one_line_error(runs: tuple[Path, dict[str, list[str]]],
                                       args: tuple[str, ...], needle: str) -> None:
    tmp, traces = runs
    argv = [traces["light"][0] if a == "T" else a for a in args]
    assert needle in error_of(tmp, "profile", *argv)
    r = fozzy(tmp, "profile", *argv)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_unknown_flag_is_a_usage_error(runs: tuple[Path, dict[str, list[str]]]) -> None:
    tmp, traces = runs
    r = fozzy(tmp, "profile", "top", traces["light"][0], "--bogus")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def _no_profile_modules(cwd: Path, *argv: str) -> Any:
    code = ("import sys; sys.argv = ['fozzy', *sys.argv[1:]];"
            "import fozzy.cli.app as a\n"
            "try:\n a.main()\nexcept SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('fozzy.analysis.profile')),"
            " file=sys.stderr)")
    import subprocess

    r = subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True,
                       text=True, timeout=60, check=False)
    return r.stderr.strip().splitlines()[-1]


def test_version_does_not_import_the_profile_modules(tmp_path: Path) -> None:
    assert _no_profile_modules(tmp_path, "version") == "[]"


FN_TARGET = '''
def hot(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def target(data):
    hot(20_000 + len(data))
'''


def test_fuzz_profile_cpu_samples_the_targets_own_frames(tmp_path: Path) -> None:
    (tmp_path / "burner.py").write_text(FN_TARGET)
    ok_json(tmp_path, "fuzz", "fn:burner.py:target", "--runs", "400", "--det", "--profile-cpu")
    top = ok_json(tmp_path, "profile", "top", "latest", "--cpu")
    first = top["cpuSampled"][0]["stack"].split(";")
    assert first[0] == "scenario fn:burner.py:target"
    assert [f.split(" ")[0] for f in first[1:]] == ["target", "hot"]
    assert top["metrics"]["sampled_cpu_ms"] > 0
    folded = fozzy(tmp_path, "profile", "flame", "latest", "--cpu")
    assert folded.returncode == 0 and "hot (" in folded.stdout


def test_profile_cpu_is_refused_for_scenario_targets(tmp_path: Path) -> None:
    path = scenario(tmp_path, "s", [{"type": "set_kv", "key": "k", "value": "v"}])
    assert "--profile-cpu samples the Python frames of fn: targets" in error_of(
        tmp_path, "fuzz", path, "--runs", "5", "--profile-cpu")


def test_shrink_keeps_only_the_steps_that_keep_the_metric_above(tmp_path: Path) -> None:
    path = scenario(tmp_path, "bloat", [
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "memory_alloc", "bytes": 64, "key": "small"},
        {"type": "sleep", "duration": "5ms"},
        {"type": "memory_alloc", "bytes": 10_000, "key": "big", "tag": "blob"},
        {"type": "get_kv_assert", "key": "k", "equals": "v"},
        {"type": "memory_free", "key": "small"},
    ])
    recorded = fozzy(tmp_path, "run", path, "--det", "--record", "b.fozzy")
    assert recorded.returncode == 1, recorded.stderr  # `big` leaks: fine for a heap shrink
    out = ok_json(tmp_path, "profile", "shrink", "b.fozzy", "--metric", "alloc_bytes",
                  "--above", "5000", "--out", "min.fozzy.json")
    assert out["baseline"] == 10_064 and out["after"] > 5000 and out["preserved"]
    assert (out["stepsBefore"], out["stepsAfter"]) == (6, 1)
    (step,) = orjson.loads((tmp_path / "min.fozzy.json").read_bytes())["steps"]
    assert step["type"] == "memory_alloc" and step["bytes"] == out["after"]
    assert fozzy(tmp_path, "validate", "min.fozzy.json").returncode == 0
    assert "does not satisfy the condition" in error_of(
        tmp_path, "profile", "shrink", "b.fozzy", "--metric", "alloc_bytes", "--below", "10")
    assert "exactly one of --above" in error_of(
        tmp_path, "profile", "shrink", "b.fozzy", "--metric", "alloc_bytes")
    assert "--metric must be one of" in error_of(
        tmp_path, "profile", "shrink", "b.fozzy", "--metric", "speed", "--above", "1")


def test_a_sampled_stack_of_one_frame_is_listed_and_host_stacks_are_not(tmp_path: Path) -> None:
    """Regression: cpuSampled kept stacks longer than two frames, which dropped a target that
    burns CPU in its own body and would have let step/host stacks of three frames in."""
    (tmp_path / "flat.py").write_text(
        "def target(data):\n    s = 0\n    for i in range(20_000 + len(data)):\n"
        "        s += i * i\n")
    ok_json(tmp_path, "fuzz", "fn:flat.py:target", "--runs", "400", "--det", "--profile-cpu")
    top = ok_json(tmp_path, "profile", "top", "latest", "--cpu")
    stacks = [row["stack"].split(";") for row in top["cpuSampled"]]
    assert stacks and stacks[0][0] == "scenario fn:flat.py:target"
    assert stacks[0][1].startswith("target (")
    assert all(not frame.startswith("host ") for stack in stacks for frame in stack)
