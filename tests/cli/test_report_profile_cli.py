"""`report show` of a measured run: the `profile` block in JSON, pretty text and HTML."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import orjson

from fozzy import documents as d
from tests.cli.clikit import fozzy, ok_json, scenario
from tests.cli.test_documents_conform import conforms
from tests.cli.test_profile_cli import FN_TARGET

BURN = "s=0\nfor i in range(2_000_000): s+=i"


def burner(tmp_path: Path, name: str = "burn") -> str:
    return scenario(tmp_path, name, [
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "proc_spawn", "cmd": sys.executable, "args": ["-c", BURN], "expect_exit": 0},
        {"type": "sleep", "duration": "5ms"},
    ])


def show(tmp_path: Path, selector: str, fmt: str) -> str:
    r = fozzy(tmp_path, "report", "show", selector, "--format", fmt)
    assert r.returncode == 0, r.stderr
    return r.stdout


def host_run(tmp_path: Path, *args: str) -> dict[str, Any]:
    done: dict[str, Any] = ok_json(tmp_path, "--proc-backend", "host", "run", burner(tmp_path),
                                   *args)
    return done


def test_json_has_a_profile_block_with_the_burning_step_first(tmp_path: Path) -> None:
    run_id = host_run(tmp_path)["identity"]["runId"]
    doc = orjson.loads(show(tmp_path, run_id, "json"))
    conforms(doc, d.RunSummary, "report show")
    profile = doc["profile"]
    assert (profile["topSteps"][0]["step"], profile["topSteps"][0]["type"]) == (1, "proc_spawn")
    assert len(profile["topSteps"]) == profile["totals"]["steps"] == 3
    [proc] = profile["hostProcesses"]
    assert proc["cmd"] == sys.executable and proc["step"] == 1
    assert proc["cpuMs"] > 0 and proc["peakRssBytes"] > 0
    totals = profile["totals"]
    assert totals["hostProcesses"] == 1 and totals["hostPeakRssBytes"] == proc["peakRssBytes"]
    assert abs(totals["cpuMs"] - totals["workerCpuMs"] - totals["hostCpuMs"]) < 1e-6
    assert "profile" not in orjson.loads(
        (Path(doc["identity"]["artifactsDir"]) / "report.json").read_bytes())


def test_pretty_lists_the_profile(tmp_path: Path) -> None:
    run_id = host_run(tmp_path)["identity"]["runId"]
    text = show(tmp_path, run_id, "pretty")
    assert "profile (measured, not deterministic):" in text
    top = text.split("top steps by cpu:\n", 1)[1].splitlines()[0]
    assert top.endswith("ms  step[1] proc_spawn")
    assert f"step[1] proc_spawn: {sys.executable}" in text


def test_html_report_has_a_cpu_bar_chart(tmp_path: Path) -> None:
    run_id = host_run(tmp_path)["identity"]["runId"]
    page = show(tmp_path, run_id, "html")
    section = page.split('<section id="profile">', 1)[1].split("</section>", 1)[0]
    assert "<script" not in page and "http" not in section
    labels = re.findall(r'<span class="mono">([^<]*)</span>', section)
    assert labels[0] == "step[1] proc_spawn" and len(labels) == 3
    widths = [float(w) for w in re.findall(r'style="width:([0-9.]+)%"', section)[:2]]
    assert abs(sum(widths) - 100) < 0.02  # the costliest step fills the bar: worker + host


def test_reporter_html_writes_the_chart_into_the_run_dir(tmp_path: Path) -> None:
    done = host_run(tmp_path, "--reporter", "html")
    page = (Path(done["identity"]["artifactsDir"]) / "report.html").read_text()
    assert '<section id="profile">' in page and "step[1] proc_spawn" in page


def test_suite_profile_names_scenarios_and_unmeasured_runs_have_none(tmp_path: Path) -> None:
    burner(tmp_path, "a")
    scenario(tmp_path, "b", [{"type": "set_kv", "key": "k", "value": "v"}])
    full = ok_json(tmp_path, "--proc-backend", "host", "test", "*.fozzy.json", "--jobs", "2",
                   "--profile-capture", "full")
    profile = orjson.loads(show(tmp_path, full["identity"]["runId"], "json"))["profile"]
    assert (profile["topSteps"][0]["scenario"], profile["topSteps"][0]["step"]) == ("a", 1)
    assert {s["scenario"] for s in profile["topSteps"]} == {"a", "b"}
    assert "a: step[1] proc_spawn" in show(tmp_path, full["identity"]["runId"], "html")
    trimmed = ok_json(tmp_path, "test", "b.fozzy.json")["identity"]["runId"]
    doc = orjson.loads(show(tmp_path, trimmed, "json"))
    assert "profile" not in doc
    assert "profile (measured" not in show(tmp_path, trimmed, "pretty")
    assert '<section id="profile">' not in show(tmp_path, trimmed, "html")


def test_a_profile_cpu_fuzz_campaign_shows_its_sampled_stacks(tmp_path: Path) -> None:
    (tmp_path / "burner.py").write_text(FN_TARGET)
    ok_json(tmp_path, "fuzz", "fn:burner.py:target", "--runs", "400", "--det", "--profile-cpu")
    doc = orjson.loads(show(tmp_path, "latest", "json"))
    conforms(doc, d.RunSummary, "report show")
    sampled = doc["profile"]["sampled"]
    assert "totals" not in doc["profile"]  # a campaign measures no steps
    assert sampled["samples"] > 0 and sampled["cpuMs"] > 0
    top = sampled["topStacks"][0]["stack"].split(";")
    assert [f.split(" ")[0] for f in top] == ["target", "hot"]
    text = show(tmp_path, "latest", "pretty")
    assert "sampled cpu: " in text and "top sampled stacks:" in text
    page = show(tmp_path, "latest", "html")
    section = page.split('<section id="profile">', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<span class="mono">([^<]*)</span>', section)[0].startswith("hot (")
    assert 'class="sampled"' in section


def test_a_fuzz_campaign_without_profile_cpu_has_no_profile_block(tmp_path: Path) -> None:
    (tmp_path / "burner.py").write_text(FN_TARGET)
    ok_json(tmp_path, "fuzz", "fn:burner.py:target", "--runs", "50", "--det")
    assert "profile" not in orjson.loads(show(tmp_path, "latest", "json"))
