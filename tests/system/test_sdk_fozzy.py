"""fozzy.sdk against the real `fozzy` of this venv: results for domain exit codes,
CommandError for exit 2, builders that round-trip through `fozzy validate`, and streams over
a long host-process suite that leave no process behind however they are abandoned (issue 17).

Processes are found by a unique argv marker, so parallel tests cannot confuse them."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from fozzy.sdk import (
    AsyncFozzy,
    CommandError,
    DistributedScenarioBuilder,
    Fozzy,
    ScenarioBuilder,
    ScenarioInvalidError,
)

BIN = str(Path(sys.executable).with_name("fozzy"))
#: Bounded wait for processes to appear or go; never a timing assertion.
WAIT_S = 30.0


def wait_until(check: Callable[[], bool]) -> bool:
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def marked(tag: str) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if tag in (p.info["cmdline"] or []) and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.Error:
            continue
    return out


def sleepy_suite(tmp_path: Path, tag: str, count: int = 3) -> list[str]:
    """`count` scenarios each running a host `sleep`-like process marked `tag` for minutes."""
    for i in range(count):
        (ScenarioBuilder(f"sleepy-{i}")
         .step("proc_spawn", cmd=sys.executable,
               args=["-c", "import time; time.sleep(300)", tag], expect_exit=0)
         .write(tmp_path / f"sleepy-{i}.fozzy.json"))
    return ["--proc-backend", "host", "test", "*.fozzy.json", "--timeout", "10m"]


def fz(tmp_path: Path) -> Fozzy:
    return Fozzy(bin=BIN, cwd=str(tmp_path))


def test_failing_run_returns_its_summary(tmp_path: Path) -> None:
    path = tmp_path / "fails.fozzy.json"
    ScenarioBuilder("fails").assert_ok(False, "meant to fail").write(path)
    summary = fz(tmp_path).run(str(path), det=True, seed=7)
    assert summary["status"] == "fail" and summary["mode"] == "run"
    assert summary["identity"]["seed"] == 7
    assert any("meant to fail" in f["message"] for f in summary.get("findings", []))


def test_exit_2_raises_command_error_with_the_document(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        fz(tmp_path).run("missing.fozzy.json")
    err = info.value
    assert err.exit_code == 2 and err.status == "error" and err.code == "io_error"
    assert err.document is not None and err.document["message"] == err.message
    assert "missing.fozzy.json" in err.message


def test_builders_round_trip_through_fozzy_validate(tmp_path: Path) -> None:
    steps = (ScenarioBuilder("built", note="from the SDK")
             .trace_event("setup", {"k": 1}).set_kv("a", "1").get_kv_assert("a", "1")
             .assert_ok(True).step("sleep", duration="5ms"))
    dist = (DistributedScenarioBuilder("cluster").with_nodes(["a", "b"]).with_node_count(2)
            .step("client_put", node="n0", key="k", value="v").invariant("kv_all_equal", key="k"))
    client = fz(tmp_path)
    for builder, variant in ((steps, "steps"), (dist, "distributed")):
        path = builder.write(tmp_path / f"{variant}.fozzy.json")
        assert json.loads(path.read_text()) == builder.to_json()
        report = client.validate(str(path))
        assert report["ok"] and report.get("variant") == variant
    assert "nodes" not in dist.to_json()["distributed"]
    assert client.run(str(tmp_path / "steps.fozzy.json"), det=True)["status"] == "pass"


def test_invalid_builder_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "bad.fozzy.json"
    with pytest.raises(ScenarioInvalidError) as info:
        ScenarioBuilder("bad").step("set_kv", key="a", valu="1").write(target)
    assert "/steps/0" in str(info.value)
    assert not target.exists()


def test_trace_verify_and_report_match_the_cli(tmp_path: Path) -> None:
    client = fz(tmp_path)
    path = ScenarioBuilder("rec").assert_ok(True).write(tmp_path / "rec.fozzy.json")
    summary = client.run(str(path), det=True, seed=1, record=str(tmp_path / "rec.fozzy"))
    verify = client.trace_verify(summary["identity"]["tracePath"])
    raw = client.exec(["trace", "verify", summary["identity"]["tracePath"]])
    assert verify == json.loads(raw.stdout) and verify["ok"]
    shown = dict(client.report_show("latest", format="json"))
    profile = shown.pop("profile")  # report show adds a measured run's profile block
    assert isinstance(profile, dict) and "totals" in profile
    assert shown == summary
    assert client.report_show("latest")["format"] == "pretty"  # type: ignore[typeddict-item]


def leaves_nothing(tmp_path: Path, abandon: Callable[[Fozzy, list[str]], None]) -> None:
    tag = f"fozzy-sdk-{uuid.uuid4().hex}"
    args = sleepy_suite(tmp_path, tag)
    abandon(fz(tmp_path), args)
    assert wait_until(lambda: not marked(tag)), [p.cmdline() for p in marked(tag)]


def _tag_of(tmp_path: Path) -> str:
    doc = json.loads((tmp_path / "sleepy-0.fozzy.json").read_text())
    return str(doc["steps"][0]["args"][-1])


def _wait_started(tmp_path: Path) -> None:
    tag = _tag_of(tmp_path)
    assert wait_until(lambda: len(marked(tag)) >= 1)


@pytest.mark.parametrize("how", ["break", "close", "consumer_error", "gc"])
def test_abandoned_stream_leaves_no_process(tmp_path: Path, how: str) -> None:
    def abandon(client: Fozzy, args: list[str]) -> None:
        stream = Fozzy(bin=BIN, cwd=client.options.cwd, log="debug").stream(args)
        _wait_started(tmp_path)
        if how == "close":
            stream.close()
            assert stream.code is not None
        elif how == "break":
            with stream:
                for _ in stream:
                    break
        elif how == "consumer_error":
            with pytest.raises(RuntimeError), stream:
                for _ in stream:
                    raise RuntimeError("consumer gave up")
        else:
            del stream
            gc.collect()

    leaves_nothing(tmp_path, abandon)


def test_cancelled_async_stream_leaves_no_process(tmp_path: Path) -> None:
    async def consume(cwd: str, args: list[str]) -> None:
        async with AsyncFozzy(bin=BIN, cwd=cwd).stream(args) as stream:
            async for _ in stream:
                pass

    async def main(client: Fozzy, args: list[str]) -> None:
        task = asyncio.create_task(consume(str(client.options.cwd), args))
        await asyncio.to_thread(_wait_started, tmp_path)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    leaves_nothing(tmp_path, lambda client, args: asyncio.run(main(client, args)))


ESCAPER = """
import os, subprocess, sys, time
tag = sys.argv[-2]
subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', tag],
                 start_new_session=True)
subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', tag])
print('ready', flush=True)
time.sleep(300)
"""


@pytest.mark.parametrize("how", ["close", "gc"])
def test_tree_kill_reaches_children_in_other_sessions(tmp_path: Path, how: str) -> None:
    """Not every child stays in the group: one that called setsid is found through psutil."""
    prog = tmp_path / "prog"
    prog.write_text(f"#!{sys.executable}\nimport sys\nexec(sys.argv[-1])\n")
    prog.chmod(0o755)
    tag = f"fozzy-sdk-{uuid.uuid4().hex}"
    stream = Fozzy(bin=str(prog)).stream([tag, ESCAPER])
    seen = ""
    while "ready\n" not in seen:
        seen += next(iter(stream)).chunk
    assert wait_until(lambda: len(marked(tag)) == 3)  # the program and its two children
    if how == "close":
        stream.close()
    else:
        del stream
        gc.collect()
    assert wait_until(lambda: not marked(tag)), [p.cmdline() for p in marked(tag)]
