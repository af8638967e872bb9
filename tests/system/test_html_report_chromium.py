"""The HTML report as a person sees it: real runs rendered, loaded in headless Chromium, and
the rendered DOM checked for the summary, the scenario table, findings and the timeline."""

from __future__ import annotations

import html.parser
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not installed (Debian package `chromium`; .ci/run installs it)",
)


def fozzy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fozzy", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )


def scenario(tmp_path: Path, name: str, steps: list[dict[str, Any]]) -> str:
    path = tmp_path / f"{name}.fozzy.json"
    path.write_bytes(orjson.dumps({"version": 1, "name": name, "steps": steps}))
    return path.name


def rendered_dom(tmp_path: Path, page: Path) -> str:
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    r = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


class Cells(html.parser.HTMLParser):
    """Text of every table row and list item, by enclosing section id."""

    def __init__(self) -> None:
        super().__init__()
        self.section = ""
        self.rows: dict[str, list[list[str]]] = {}
        self.items: dict[str, list[str]] = {}
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._li: list[str] | None = None
        self.title = ""
        self._in_title = False
        self.status = ""
        self._in_status = False
        self.facts: dict[str, str] = {}
        self._term: list[str] | None = None
        self._desc: list[str] | None = None
        self._last_term = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id") or ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "li":
            self._li = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "title":
            self._in_title = True
        elif tag == "dt":
            self._term = []
        elif tag == "dd":
            self._desc = []
        elif a.get("id") == "status":
            self._in_status = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.setdefault(self.section, []).append(self._row)
            self._row = None
        elif tag == "li" and self._li is not None:
            self.items.setdefault(self.section, []).append(" ".join("".join(self._li).split()))
            self._li = None
        elif tag == "title":
            self._in_title = False
        elif tag == "dt" and self._term is not None:
            self._last_term = "".join(self._term).strip()
            self._term = None
        elif tag == "dd" and self._desc is not None:
            self.facts[self._last_term] = "".join(self._desc).strip()
            self._desc = None
        elif tag == "p":
            self._in_status = False

    def handle_data(self, data: str) -> None:
        for sink in (self._cell, self._li, self._term, self._desc):
            if sink is not None:
                sink.append(data)
        if self._in_title:
            self.title += data
        if self._in_status:
            self.status += data


def parse(dom: str) -> Cells:
    cells = Cells()
    cells.feed(dom)
    return cells


def test_suite_report_renders_summary_scenarios_and_findings(tmp_path: Path) -> None:
    scenario(tmp_path, "good", [{"type": "assert_eq_int", "a": 1, "b": 1}])
    scenario(tmp_path, "bad", [{"type": "assert_eq_int", "a": 1, "b": 2,
                                "msg": "one <is> not two & more"}])
    r = fozzy(tmp_path, "test", "good.fozzy.json", "bad.fozzy.json", "--det", "--seed", "3",
              "--reporter", "html", "--json")
    assert r.returncode == 1, r.stderr
    page = Path(orjson.loads(r.stdout)["identity"]["artifactsDir"]) / "report.html"
    cells = parse(rendered_dom(tmp_path, page))
    assert cells.title == "fozzy report"
    assert cells.status == "status: Fail"
    assert cells.facts["mode"] == "test" and cells.facts["seed"] == "3"
    assert cells.facts["tests"] == "1 passed, 1 failed, 0 skipped"
    head, *rows = cells.rows["scenarios"]
    assert head == ["#", "status", "scenario", "seed", "duration", "findings"]
    by_path = {row[2].split()[0]: row for row in rows}
    assert by_path["good.fozzy.json"][1] == "Pass"
    assert by_path["good.fozzy.json"][2].split()[1] == "good"  # the scenario's name
    assert by_path["bad.fozzy.json"][1] == "Fail"
    assert by_path["bad.fozzy.json"][5] == "1: assert_eq_int"
    assert len(rows) == 2
    assert cells.items["findings"] == [
        "Assertion: assert_eq_int: one <is> not two & more (bad.fozzy.json)"]


def test_single_run_report_renders_its_timeline(tmp_path: Path) -> None:
    scenario(tmp_path, "timed", [
        {"type": "trace_event", "name": "checkout-started", "fields": {"user": "ana"}},
        {"type": "sleep", "duration": "25ms"},
        {"type": "assert_eq_int", "a": 1, "b": 2},
    ])
    r = fozzy(tmp_path, "run", "timed.fozzy.json", "--det", "--seed", "4", "--json")
    assert r.returncode == 1, r.stderr
    page = tmp_path / "report.html"
    shown = fozzy(tmp_path, "report", "show", "latest", "--format", "html")
    assert shown.returncode == 0, shown.stderr
    page.write_text(shown.stdout)
    cells = parse(rendered_dom(tmp_path, page))
    assert cells.status == "status: Fail"
    assert cells.facts["virtual time"] == "25 ms"
    head, *rows = cells.rows["timeline"]
    assert head == ["#", "time", "event", "details"]
    by_event = [(row[1], row[2], row[3]) for row in rows]
    assert ("0 ms", "checkout-started", "user=ana") in by_event
    ends = [row for row in by_event if row[1] == "span_end"]
    assert [t for t, _, _ in ends] == ["0 ms", "25 ms", "25 ms"]
    assert "status=error" in ends[-1][2]
    assert cells.items["findings"][0].startswith("Assertion: assert_eq_int:")


def test_measured_run_report_renders_its_cpu_bar_chart(tmp_path: Path) -> None:
    scenario(tmp_path, "burn", [
        {"type": "set_kv", "key": "k", "value": "v"},
        {"type": "proc_spawn", "cmd": sys.executable,
         "args": ["-c", "s=0\nfor i in range(2_000_000): s+=i"], "expect_exit": 0},
    ])
    r = fozzy(tmp_path, "--proc-backend", "host", "run", "burn.fozzy.json", "--reporter", "html",
              "--json")
    assert r.returncode == 0, r.stderr
    page = Path(orjson.loads(r.stdout)["identity"]["artifactsDir"]) / "report.html"
    dom = rendered_dom(tmp_path, page)
    section = dom.split('<section id="profile">', 1)[1].split("</section>", 1)[0]
    labels = [chunk.split("</span>", 1)[0]
              for chunk in section.split('<span class="mono">')[1:]]
    assert labels == ["step[1] proc_spawn", "step[0] set_kv"]
    assert section.count('class="bar"') == 2
