"""Scenario coverage ids are memoized per run shape; the ids must be exactly those of the
plain reading of the events (the reference below), for any run, memo warm or cold."""

from __future__ import annotations

import zlib
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.fuzz import features
from workers.fuzz.features import scenario_features

BRANCH_FIELDS = ("status", "exit_code", "dropped", "failed_reason", "existed", "op", "backend")


def reference(rt: Any, result: dict[str, Any]) -> set[int]:
    """The unmemoized reading, observation text by observation text."""
    texts: list[str] = []

    def answer(kind: str, text: str) -> None:
        texts.append(f"{kind}|len|{len(text).bit_length()}")
        texts.append(f"{kind}|{zlib.crc32(text.encode()) % features.ANSWER_BUCKETS}")

    counts: dict[str, int] = {}
    kind, branch = "", []
    for ev in result["events"]:
        name, f = ev["name"], ev["fields"]
        if name == "span_start":
            kind, branch = f["step_kind"], []
        elif name == "span_end":
            key = f"{kind}|{'/'.join(branch)}|{f['status']}"
            counts[key] = counts.get(key, 0) + 1
        elif name != "sched_pick":
            branch.append(",".join([name, *(f"{k}={f[k]}" for k in BRANCH_FIELDS if k in f)]))
            if name == "proc_spawn":
                for line in str(f.get("stdout", "")).splitlines()[:64]:
                    answer("stdout", line[:200])
    for key, n in counts.items():
        texts += [key, f"{key}#{n.bit_length()}"]
    for d in result["decisions"]:
        if d["kind"] == "http_request":
            answer(f"http|{d.get('status_code')}", str(d.get("body", ""))[:200])
        elif d["kind"] in ("http_request_timeout", "proc_spawn_timeout"):
            texts.append(f"timeout|{d['kind']}")
    for finding in result["findings"]:
        texts.append(f"finding|{finding['kind']}|{finding['title']}")
    texts += [f"status|{result['status']}", f"state|kv|{len(rt.kv).bit_length()}",
              f"state|net|{rt.net.queue_length().bit_length()}",
              f"state|mem|{rt.mem.in_use_bytes().bit_length()}"]
    return {zlib.crc32(t.encode()) for t in texts}


def runtime(kv: int, queue: int, mem: int) -> Any:
    return SimpleNamespace(kv={str(i): "" for i in range(kv)},
                           net=SimpleNamespace(queue_length=lambda: queue),
                           mem=SimpleNamespace(in_use_bytes=lambda: mem))


field_values = st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.text(max_size=6))
fields = st.dictionaries(st.sampled_from([*BRANCH_FIELDS, "id", "bytes", "stdout"]),
                         field_values, max_size=4)
step_event = st.builds(lambda n, f: {"time_ms": 0, "name": n, "fields": f},
                       st.sampled_from(["net_send", "proc_spawn", "memory_alloc", "kv_set"]),
                       fields)


@st.composite
def runs(draw: st.DrawFn) -> dict[str, Any]:
    events: list[dict[str, Any]] = draw(st.lists(step_event, max_size=2))  # outside any span
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["set_kv", "net_send", "proc_spawn"]))
        events += [{"time_ms": 0, "name": "sched_pick", "fields": {"step_kind": kind}},
                   {"time_ms": 0, "name": "span_start", "fields": {"step_kind": kind}}]
        events += draw(st.lists(step_event, max_size=3))
        if draw(st.booleans()) or i == 0:
            events.append({"time_ms": 0, "name": "span_end",
                           "fields": {"status": draw(st.sampled_from(["ok", "error"]))}})
    events += draw(st.lists(step_event, max_size=2))
    decisions = draw(st.lists(st.sampled_from([
        {"kind": "http_request", "status_code": 200, "body": "ok"},
        {"kind": "http_request_timeout"}, {"kind": "scheduler_pick"}]), max_size=3))
    found = draw(st.lists(st.builds(lambda k, t: {"kind": k, "title": t},
                                    st.sampled_from(["assertion", "hang"]), st.text(max_size=5)),
                          max_size=2))
    return {"events": events, "decisions": decisions, "findings": found,
            "status": draw(st.sampled_from(["pass", "fail"]))}


@settings(max_examples=300)
@given(runs(), st.integers(0, 40), st.integers(0, 9), st.integers(0, 5000))
def test_ids_equal_the_plain_reading_cold_and_warm(
    result: dict[str, Any], kv: int, queue: int, mem: int
) -> None:
    rt = runtime(kv, queue, mem)
    want = reference(rt, result)
    assert scenario_features(rt, result) == want  # cold, as a rule: a new shape
    assert scenario_features(rt, result) == want  # warm


def test_a_shape_differing_only_in_a_span_status_or_count_gets_its_own_ids() -> None:
    def run(*statuses: str) -> dict[str, Any]:
        events = [e for s in statuses for e in (
            {"time_ms": 0, "name": "span_start", "fields": {"step_kind": "set_kv"}},
            {"time_ms": 0, "name": "span_end", "fields": {"status": s}})]
        return {"events": events, "decisions": [], "findings": [], "status": "pass"}

    rt = runtime(0, 0, 0)
    for r in (run("ok"), run("error"), run("ok", "ok"), run("ok", "ok", "ok"), run("ok")):
        assert scenario_features(rt, r) == reference(rt, r)
