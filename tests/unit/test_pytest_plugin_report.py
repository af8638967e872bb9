"""The pytest plugin's failure text and option tables, without running pytest."""

from __future__ import annotations

from fozzy.config import BACKEND_CHOICES
from fozzy.pytest_plugin import BACKENDS
from fozzy.pytesting.report import failure_text


def test_plugin_backend_choices_are_the_configs() -> None:
    assert {f"{k}_backend": v for k, v in BACKENDS.items()} == BACKEND_CHOICES


def test_failure_text_names_status_findings_seed_and_reproduce() -> None:
    findings = [{"kind": "assertion", "title": "get_kv_assert", "message": "expected 2",
                 "location": {"file": "a.fozzy.json", "step": 1, "details": {"x": 1}}}]
    text = failure_text("timeout", "a.fozzy.json", "a", 42, findings, "fozzy run a --seed 42",
                        trace="/t/a.fozzy")
    lines = text.splitlines()
    assert lines[0].startswith("fozzy TIMEOUT")
    assert "seed: 42" in lines
    assert "  - [assertion] get_kv_assert: expected 2 (step 1)" in lines
    assert lines[-2:] == ["trace: /t/a.fozzy", "reproduce: fozzy run a --seed 42"]


def test_failure_text_distinguishes_crash_from_fail() -> None:
    crash = failure_text("crash", "p", "n", 1, [], "r").splitlines()[0]
    fail = failure_text("fail", "p", "n", 1, [], "r").splitlines()[0]
    assert "CRASH" in crash and "worker" in crash
    assert "FAIL" in fail and crash != fail
