"""The suite's own per-test timeout: a deadlocked pool must fail its test in seconds, not hang
CI until the runner's job limit. Each check runs a real pytest in a subprocess on a test that
never returns and asserts that pytest-timeout ends it as a failure."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

HANG = """
import threading

def test_waits_forever_on_a_lock_nobody_releases():
    lock = threading.Lock()
    lock.acquire()
    lock.acquire()
"""


def test_the_project_configures_a_default_timeout(request: pytest.FixtureRequest) -> None:
    assert request.config.pluginmanager.hasplugin("timeout")
    assert float(request.config.getini("timeout")) > 0


def test_a_hung_test_fails_at_the_ini_default(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntimeout = 2\n")
    pytester.makepyfile(test_hang=HANG)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=60)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failed: Timeout (>2.0s) from pytest-timeout*"])


def test_a_timeout_mark_overrides_the_default(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntimeout = 600\n")
    marked = HANG.replace("\ndef test_", "\nimport pytest\n\n\n@pytest.mark.timeout(1)\ndef test_")
    pytester.makepyfile(test_hang=marked)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=60)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failed: Timeout (>1.0s) from pytest-timeout*"])
