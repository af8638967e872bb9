"""fozzy.sdk's process layer against small real programs: spawn errors, arrival order, UTF-8
split across chunks, stdin, exit codes and timeouts (issue 17)."""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fozzy.sdk import AsyncFozzy, CommandError, Fozzy, FozzyError, FozzyTimeout, SpawnError

# A stand-in `bin`: it ignores fozzy's global flags and runs the Python code given last.
PROGRAM = """#!{python}
import sys
exec(sys.argv[-1])
"""


@pytest.fixture()
def prog(tmp_path: Path) -> str:
    path = tmp_path / "prog"
    path.write_text(PROGRAM.format(python=sys.executable))
    path.chmod(0o755)
    return str(path)


def spawn_cases(tmp_path: Path) -> list[tuple[str, int, type[OSError]]]:
    plain = tmp_path / "not-executable"
    plain.write_text("#!/bin/sh\necho hi\n")
    plain.chmod(0o644)
    return [
        (str(tmp_path / "missing-fozzy"), errno.ENOENT, FileNotFoundError),
        (str(plain), errno.EACCES, PermissionError),
    ]


@pytest.mark.parametrize("stdin", [None, "input"])
def test_spawn_errors_are_fozzy_and_os_errors(tmp_path: Path, stdin: str | None) -> None:
    for bin_, code, kind in spawn_cases(tmp_path):
        fz = Fozzy(bin=bin_)
        calls = [
            lambda fz=fz: fz.exec(["version"], stdin),
            lambda fz=fz: list(fz.stream(["version"], stdin)),
            fz.version,
        ]
        for call in calls:
            with pytest.raises(SpawnError) as info:
                call()
            err = info.value
            assert isinstance(err, FozzyError) and isinstance(err, kind)
            assert err.errno == code and err.filename == bin_


def test_async_spawn_errors(tmp_path: Path) -> None:
    async def attempt(bin_: str) -> None:
        await AsyncFozzy(bin=bin_).exec(["version"], "x")

    for bin_, code, kind in spawn_cases(tmp_path):
        with pytest.raises(kind) as info:
            asyncio.run(attempt(bin_))
        assert isinstance(info.value, FozzyError) and info.value.errno == code


def test_chunks_in_order_and_utf8_split_across_writes(prog: str) -> None:
    code = (
        "import os, time\n"
        "data = 'é€😀'.encode()\n"
        "for i in range(len(data)):\n"
        "    os.write(1, data[i:i+1]); time.sleep(0.01)\n"
        "os.write(2, b'err')\n"
        "raise SystemExit(3)\n"
    )
    with Fozzy(bin=prog).stream([code]) as stream:
        chunks = list(stream)
    assert "".join(c for s, c in chunks if s == "stdout") == "é€😀"
    assert "\ufffd" not in "".join(c for _, c in chunks)
    assert chunks[-1] == ("stderr", "err")
    assert stream.code == 3


def test_exec_feeds_large_stdin_without_deadlock(prog: str) -> None:
    data = "x" * (4 << 20)
    code = "import sys; d = sys.stdin.read(); sys.stdout.write(d); sys.stderr.write(str(len(d)))"
    result = Fozzy(bin=prog).exec([code], data)
    assert result == (0, data, str(len(data)))


def test_signal_death_is_128_plus_signal(prog: str) -> None:
    code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    assert Fozzy(bin=prog).exec([code]).code == 128 + signal.SIGTERM


def test_timeout_kills_and_raises(prog: str) -> None:
    fz = Fozzy(bin=prog, timeout=0.5)
    with pytest.raises(FozzyTimeout):
        fz.exec(["import time; time.sleep(60)"])
    with pytest.raises(TimeoutError):
        asyncio.run(AsyncFozzy(bin=prog, timeout=0.5).exec(["import time; time.sleep(60)"]))


def test_unexpected_exit_code_and_garbage_stdout(prog: str) -> None:
    fz = Fozzy(bin=prog)
    with pytest.raises(CommandError) as info:
        fz.command(["import sys; print('boom', file=sys.stderr); raise SystemExit(7)"])
    assert info.value.exit_code == 7 and info.value.message == "boom"
    with pytest.raises(FozzyError, match="not JSON"):
        fz.command(["print('not json')"])


def test_env_overrides_and_removal(prog: str) -> None:
    os.environ["FOZZY_SDK_DROP"] = "1"
    try:
        fz = Fozzy(bin=prog, env={"FOZZY_SDK_SET": "yes", "FOZZY_SDK_DROP": None})
        code = "import os; print(os.environ.get('FOZZY_SDK_SET'), 'FOZZY_SDK_DROP' in os.environ)"
        assert fz.exec([code]).stdout == "yes False\n"
    finally:
        del os.environ["FOZZY_SDK_DROP"]


def test_import_is_light() -> None:
    code = (
        "import sys, fozzy.sdk\n"
        "heavy = [m for m in ('fozzy.sdk.process', 'fozzy.scenario', 'psutil', 'asyncio',"
        " 'workers') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
