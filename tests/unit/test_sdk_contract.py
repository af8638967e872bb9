"""fozzy.sdk's argument mapping and exit-code contract, without a child process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from fozzy.sdk import CommandError, ExecResult
from fozzy.sdk.command import flags
from fozzy.sdk.options import Options
from fozzy.sdk.results import documents, parse_result


def test_flags_map_names_values_and_lists() -> None:
    assert flags(mem_limit_mb=4, det=True, seed=None, fail_fast=False, dict_="d.txt") == [
        "--mem-limit-mb", "4", "--det", "--dict", "d.txt"]
    assert flags(flake_run=["a", "b"]) == ["--flake-run", "a", "--flake-run", "b"]


def test_global_argv() -> None:
    opts = Options(bin="fz", cwd="/", config="c.toml", log="warn", json=False, no_color=True)
    assert opts.argv(["run", "x"]) == ["fz", "--config", "c.toml", "--log", "warn",
                                       "--no-color", "run", "x"]
    assert opts.argv(["version"], force_json=True)[-2:] == ["--json", "version"]
    with pytest.raises(ValueError):
        Options(log="loud")


def test_domain_exit_codes_return_the_document() -> None:
    for code in (0, 1, 3, 4):
        assert parse_result(ExecResult(code, '{"status": "x"}\n', "")) == {"status": "x"}


def test_exit_2_keeps_every_document() -> None:
    out = '{"status": "pass"}\n{"status": "error", "code": "strict", "message": "m"}\n'
    with pytest.raises(CommandError) as info:
        parse_result(ExecResult(2, out, ""))
    err = info.value
    assert (err.exit_code, err.status, err.code, err.message) == (2, "error", "strict", "m")
    assert err.documents[0] == {"status": "pass"} and err.document == err.documents[1]


def test_validate_document_maps_to_invalid() -> None:
    with pytest.raises(CommandError) as info:
        parse_result(ExecResult(2, '{"ok": false, "scenario": "s", "error": "bad"}', ""))
    assert (info.value.code, info.value.message) == ("invalid", "bad")


def test_documents_splits_concatenated_json() -> None:
    assert documents(' {"a": 1}\n[2]\n"x"') == [{"a": 1}, [2], "x"]


def test_commands_that_run_many_items_pass_dask() -> None:
    from fozzy.sdk import Fozzy

    class Recording(Fozzy):
        def command(self, args: Sequence[str]) -> Any:
            calls.append(list(args))
            return {}

    calls: list[list[str]] = []
    fz = Recording()
    fz.test(["a.fozzy.json"], dask="local:2")
    fz.fuzz("fn:t:f", dask="local:2")
    fz.explore("d.fozzy.json", dask="local:2")
    fz.shrink("t.fozzy", dask="local:2")
    fz.doctor(deep=True, dask="local:2")
    fz.test(["a.fozzy.json"])
    assert [c[c.index("--dask") + 1] for c in calls[:5]] == ["local:2"] * 5
    assert "--dask" not in calls[5]
