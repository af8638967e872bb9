"""The SVG flame graph and the HTML timeline as a browser sees them: exported from a real
recorded run, loaded in headless Chromium, and the rendered DOM checked (a malformed SVG
renders as Chromium's XML parser-error page instead of the graph)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.clikit import fozzy, ok_json, scenario

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not installed (Debian package `chromium`; .ci/run installs it)",
)


def dom(tmp_path: Path, page: Path) -> str:
    assert CHROMIUM is not None
    r = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = scenario(tmp_path, "render", [
        {"type": "memory_alloc", "bytes": 2048, "key": "a"},
        {"type": "sleep", "duration": "40ms"},
        {"type": "memory_free", "key": "a"},
        {"type": "assert_eq_int", "a": 1, "b": 1}])
    r = fozzy(tmp_path, "run", path, "--det", "--record", "r.fozzy")
    assert r.returncode == 0, r.stderr
    return tmp_path


@pytest.mark.parametrize("domain", ["--cpu", "--heap", "--latency"])
def test_svg_flame_graph_renders(recorded: Path, domain: str) -> None:
    ok_json(recorded, "profile", "export", "r.fozzy", "--format", "svg", domain,
            "--out", "flame.svg")
    rendered = dom(recorded, recorded / "flame.svg")
    assert "parsererror" not in rendered and "This page contains the following errors" \
        not in rendered
    assert "<rect" in rendered and "scenario render" in rendered


def test_html_timeline_renders(recorded: Path) -> None:
    ok_json(recorded, "profile", "export", "r.fozzy", "--format", "html", "--out", "t.html")
    rendered = dom(recorded, recorded / "t.html")
    assert "fozzy timeline: render" in rendered
    assert "step[1] sleep" in rendered and rendered.count('class="bar"') == 4
