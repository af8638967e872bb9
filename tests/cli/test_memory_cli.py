"""`fozzy memory graph|diff|top` through the real command, on runs made with --mem-track."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tests.cli.clikit import error_of, fozzy, ok_json, scenario

LEAKY: list[dict[str, Any]] = [
    {"type": "memory_alloc", "bytes": 64, "key": "small", "tag": "cache"},
    {"type": "memory_alloc", "bytes": 512, "key": "big"},
    {"type": "memory_alloc", "bytes": 32, "key": "gone"},
    {"type": "memory_free", "key": "gone"},
]
TIDY: list[dict[str, Any]] = [
    {"type": "memory_alloc", "bytes": 100, "key": "a"},
    {"type": "memory_free", "key": "a"},
]


def run(tmp_path: Path, name: str, steps: list[dict[str, Any]], *flags: str) -> dict[str, Any]:
    r = fozzy(tmp_path, "run", scenario(tmp_path, name, steps), "--det", "--seed", "1",
              "--json", *flags)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    summary: dict[str, Any] = orjson.loads(r.stdout)
    return summary


def test_top_ranks_leaks_from_sidecars(tmp_path: Path) -> None:
    s = run(tmp_path, "leaky", LEAKY, "--mem-track", "--mem-artifacts")
    assert s["status"] == "fail"
    out = ok_json(tmp_path, "memory", "top", "latest")
    assert out["run"] == "latest" and out["limit"] == 10 and out["total"] == 2
    assert [(e["kind"], e["label"], e["bytes"]) for e in out["entries"]] == [
        ("leak", "alloc 2", 512), ("leak", "cache", 64)]
    assert out["entries"][1]["fields"]["tag"] == "cache"
    limited = ok_json(tmp_path, "memory", "top", s["identity"]["runId"], "--limit", "1")
    assert limited["total"] == 2 and len(limited["entries"]) == 1
    assert "--limit must be at least 1" in error_of(tmp_path, "memory", "top", "latest",
                                                    "--limit", "0")


def test_graph_and_out_file(tmp_path: Path) -> None:
    run(tmp_path, "leaky", LEAKY, "--mem-track", "--mem-artifacts")
    out = ok_json(tmp_path, "memory", "graph", "latest", "--out", "g/graph.json")
    kinds = sorted(n["kind"] for n in out["graph"]["nodes"])
    assert kinds.count("alloc") == 3 and kinds.count("free") == 1
    assert {e["kind"] for e in out["graph"]["edges"]} == {"allocates", "freed_by"}
    assert orjson.loads((tmp_path / "g" / "graph.json").read_bytes()) == out


def test_diff_is_right_minus_left(tmp_path: Path) -> None:
    left = run(tmp_path, "leaky", LEAKY, "--mem-track", "--mem-artifacts")
    right = run(tmp_path, "tidy", TIDY, "--mem-track")
    out = ok_json(tmp_path, "memory", "diff", left["identity"]["runId"],
                  right["identity"]["runId"])
    assert out["leftLeakedBytes"] == 576 and out["rightLeakedBytes"] == 0
    assert out["deltaLeakedBytes"] == -576 and out["deltaLeakedAllocs"] == -2
    assert out["deltaPeakBytes"] == out["rightPeakBytes"] - out["leftPeakBytes"]


def test_trace_selector_uses_embedded_memory(tmp_path: Path) -> None:
    scenario(tmp_path, "leaky", LEAKY)
    r = fozzy(tmp_path, "test", "leaky.fozzy.json", "--det", "--seed", "2", "--mem-track",
              "--record", "m.fozzy")
    assert r.returncode == 1, r.stderr
    out = ok_json(tmp_path, "memory", "top", "./m.fozzy")
    assert out["run"] == str(tmp_path / "m.fozzy")
    assert [e["bytes"] for e in out["entries"]] == [512, 64]
    graph = ok_json(tmp_path, "memory", "graph", "m.fozzy")["graph"]
    assert len(graph["nodes"]) > 0


def test_aliases_skip_runs_without_memory_and_ids_do_not(tmp_path: Path) -> None:
    with_mem = run(tmp_path, "tidy", TIDY, "--mem-track")
    plain = run(tmp_path, "plain", [{"type": "assert_eq_int", "a": 1, "b": 1}])
    assert ok_json(tmp_path, "memory", "top", "latest")["run"] == "latest"
    tidy = ok_json(tmp_path, "memory", "diff", "latest", with_mem["identity"]["runId"])
    assert tidy["deltaPeakBytes"] == 0
    # A tidy run has no leaks: top falls back to its peak.
    top = ok_json(tmp_path, "memory", "top", "latest")
    assert top["entries"] == [{"kind": "peak", "label": "peak", "bytes": 100, "fields": {}}]
    message = error_of(tmp_path, "memory", "top", plain["identity"]["runId"])
    assert "does not contain memory data" in message


def test_tampered_sidecar_is_refused(tmp_path: Path) -> None:
    s = run(tmp_path, "leaky", LEAKY, "--mem-track", "--mem-artifacts")
    (Path(s["identity"]["artifactsDir"]) / "memory.leaks.json").write_text("[]")
    assert "changed after the run wrote it" in error_of(tmp_path, "memory", "top",
                                                        s["identity"]["runId"])
