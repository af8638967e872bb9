"""http_when / http_request on the scripted backend through the real engine: matching,
exhaustion, delays, bodies, every expectation, checks, events, rollback and the backend
seam; plus the structural JSON diff."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.enginekit import run, titles
from workers.engine.loop import execute
from workers.steps.jsondiff import MAX_MISMATCHES, JsonDiff, _walk, canonical_json, json_diff
from workers.steps.parse import parse_step, parse_steps
from workers.steps.registry import CheckError, Role, registry


def when(method: str = "GET", path: str = "/p", status: int = 200, **kw: Any) -> dict[str, Any]:
    return {"type": "http_when", "method": method, "path": path, "status": status, **kw}


def req(method: str = "GET", path: str = "/p", **kw: Any) -> dict[str, Any]:
    return {"type": "http_request", "method": method, "path": path, **kw}


def events(r: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e["fields"] for e in r["events"] if e["name"] == name]


def check(raw: dict[str, Any]) -> None:
    s = parse_step(raw, "/steps/0")
    sdef = registry()[s["type"]]
    assert sdef.check is not None
    sdef.check(s)


WORKED = [
    when("GET", "/v1/status", 200, json={"up": True, "build": 7}, delay="40ms", times=1),
    req("GET", "/v1/status", expect_status=200, expect_json={"build": 7, "up": True},
        save_body_as="resp"),
    {"type": "get_kv_assert", "key": "resp", "equals": '{"build":7,"up":true}'},
    {"type": "assert_rejects", "steps": [req("GET", "/v1/status")]},
]


def test_worked_example_passes_with_sorted_compact_body_and_delay() -> None:
    r = run(WORKED)
    assert r["status"] == "pass", r["findings"]
    assert r["virtualMs"] == 40
    assert r["executed"] == 3
    # Scripted http records nothing beyond the scheduler picks.
    assert {d["kind"] for d in r["decisions"]} == {"scheduler_pick"}
    assert events(r, "http_request") == [{
        "backend": "scripted", "completion_boundary": "scripted_response", "duration_ms": 40,
        "has_body": True, "header_count": 0, "method": "GET", "path": "/v1/status",
        "request_kind": "http", "request_payload_bytes": 0, "response_payload_bytes": 21,
        "status": 200, "upgrade_accepted": False, "upgrade_requested": False,
    }]
    assert events(r, "capability_http") == [{
        "duration_ms": 40, "method": "GET", "op": "request", "path": "/v1/status",
        "payload_bytes": 21,
    }]


def test_worked_example_bare_second_request_is_unmatched() -> None:
    r = run(WORKED[:3] + [req("GET", "/v1/status")])
    assert r["status"] == "fail"
    assert r["findings"] == [{
        "kind": "assertion", "title": "http_unmatched",
        "message": "no http mock matched GET /v1/status",
    }]


def test_method_and_path_match_exactly() -> None:
    assert titles(run([when("GET", "/v1/status"), req("get", "/v1/status")])) == [
        "http_unmatched"
    ]
    assert titles(run([when("GET", "/a?x=1"), req("GET", "/a")])) == ["http_unmatched"]
    assert titles(run([when("GET", "/a"), req("GET", "/a/")])) == ["http_unmatched"]
    assert titles(run([when("POST", "/a"), req("GET", "/a")])) == ["http_unmatched"]
    assert run([when("GET", "/a?x=1"), req("GET", "/a?x=1")])["status"] == "pass"


def test_no_rules_and_rules_declared_later_do_not_match() -> None:
    assert run([req()])["findings"][0]["message"] == "no http mock matched GET /p"
    assert titles(run([req(), when()])) == ["http_unmatched"]


def test_times_limits_uses_and_zero_never_matches() -> None:
    r = run([when(times=2), req(), req(), req()])
    assert titles(r) == ["http_unmatched"]
    assert len(events(r, "http_request")) == 2
    assert titles(run([when(times=0), req()])) == ["http_unmatched"]


def test_unlimited_rule_is_never_exhausted() -> None:
    r = run([when()] + [req(expect_status=200)] * 40)
    assert r["status"] == "pass", r["findings"]


def test_first_matching_rule_wins_then_the_next_after_exhaustion() -> None:
    r = run([
        when(body="zero", times=0),
        when(body="first", times=1),
        when(body="second"),
        when(body="never"),
        req(expect_body="first"),
        req(expect_body="second"),
        req(expect_body="second"),
    ])
    assert r["status"] == "pass", r["findings"]


def test_body_text_and_empty_default() -> None:
    r = run([when(status=204), req(expect_body="", expect_status=204)])
    assert r["status"] == "pass", r["findings"]
    (ev,) = events(r, "http_request")
    assert ev["has_body"] is False and ev["response_payload_bytes"] == 0
    r = run([when(body="héllo"), req(expect_body="héllo")])
    assert events(r, "http_request")[0]["response_payload_bytes"] == 6


def test_json_body_is_compact_with_sorted_keys_at_every_level() -> None:
    doc = {"z": [1, {"b": 2.5, "a": None}], "a": "é"}
    r = run([when(json=doc), req(save_body_as="b"),
             {"type": "get_kv_assert", "key": "b",
              "equals": '{"a":"é","z":[1,{"a":null,"b":2.5}]}'}])
    assert r["status"] == "pass", r["findings"]


def test_delay_advances_the_virtual_clock_per_matched_request() -> None:
    r = run([when(delay="25ms"), req(), req(), {"type": "trace_event", "name": "after"}])
    assert r["status"] == "pass", r["findings"]
    assert r["virtualMs"] == 50
    assert [e["time_ms"] for e in r["events"] if e["name"] == "after"] == [50]
    spans = [e["fields"]["duration_ms"] for e in r["events"] if e["name"] == "span_end"]
    assert spans == [0, 25, 25, 0]


def test_delay_counts_against_the_det_timeout() -> None:
    r = run([when(delay="2s"), req(), {"type": "trace_event", "name": "late"}], timeout_ms=1000)
    assert r["status"] == "timeout"
    assert titles(r) == ["timeout"]


def test_delay_does_not_move_a_frozen_clock() -> None:
    r = run([{"type": "freeze", "at_ms": 5}, when(delay="1s"), req()])
    assert r["status"] == "pass", r["findings"]
    assert r["virtualMs"] == 5


def test_delay_really_sleeps_without_det() -> None:
    started = time.monotonic()
    r = run([when(delay="60ms"), req()], det=False)
    assert r["status"] == "pass", r["findings"]
    assert time.monotonic() - started >= 0.06
    assert r["virtualMs"] == 0


def test_response_headers_are_canonical_and_expect_headers_compare_them() -> None:
    steps = [when(headers={" Content-Type ": "text/plain", "X-A": "1"})]
    r = run(steps + [req(expect_headers={"content-type": "text/plain", "X-A": "1"})])
    assert r["status"] == "pass", r["findings"]
    assert events(r, "http_request")[0]["header_count"] == 2
    r = run(steps + [req(expect_headers={"x-missing": "v"})])
    assert r["findings"] == [{
        "kind": "assertion", "title": "http_headers",
        "message": 'http response header mismatch for "x-missing": expected "v", got None',
    }]
    r = run(steps + [req(expect_headers={"X-A": "2"})])
    assert r["findings"][0]["message"] == (
        'http response header mismatch for "x-a": expected "2", got Some("1")'
    )


def test_expect_status_mismatch() -> None:
    r = run([when(status=503), req(expect_status=200)])
    assert r["findings"] == [
        {"kind": "assertion", "title": "http_status", "message": "expected status 200, got 503"}
    ]
    # The request event is emitted before the checks run.
    assert events(r, "http_request")[0]["status"] == 503


def test_expect_body_mismatch() -> None:
    r = run([when(body="a"), req(expect_body="b")])
    assert r["findings"] == [
        {"kind": "assertion", "title": "http_body", "message": "http response body mismatch"}
    ]


def test_checks_run_in_order_status_body_json_headers() -> None:
    base = when(status=500, body="x", headers={"h": "1"})
    assert titles(run([base, req(expect_status=200, expect_body="y",
                                 expect_headers={"h": "2"})])) == ["http_status"]
    assert titles(run([base, req(expect_body="y", expect_headers={"h": "2"})])) == ["http_body"]
    assert titles(run([base, req(expect_json=1, expect_headers={"h": "2"})])) == [
        "http_json_parse"
    ]
    assert titles(run([base, req(expect_headers={"h": "2"})])) == ["http_headers"]


def test_expect_json_ignores_key_order_but_not_number_types() -> None:
    ok = run([when(json={"a": 1, "b": [True, 1.5]}), req(expect_json={"b": [True, 1.5], "a": 1})])
    assert ok["status"] == "pass", ok["findings"]
    for expected in ({"a": 1.0, "b": [True, 1.5]}, {"a": 1, "b": [1, 1.5]},
                     {"a": True, "b": [True, 1.5]}):
        r = run([when(json={"a": 1, "b": [True, 1.5]}), req(expect_json=expected)])
        assert titles(r) == ["http_json"], expected
        assert r["findings"][0]["message"] == "http response json mismatch"


def test_expect_json_mismatch_details_name_the_differences() -> None:
    r = run([when(body='{"a":1,"extra":0,"list":[1]}'),
             req(expect_json={"a": 2, "gone": True, "list": [1, 2]})],
            scenario_path="/s.fozzy.json")
    (f,) = r["findings"]
    assert f["location"] == {"file": "/s.fozzy.json", "details": {
        "mismatchCount": 4,
        "mismatches": [
            {"kind": "value_mismatch", "path": "$.a", "expected": 2, "actual": 1},
            {"kind": "missing_key", "path": "$.gone", "expected": True},
            {"kind": "missing_index", "path": "$.list[1]", "expected": 2},
            {"kind": "extra_key", "path": "$.extra", "actual": 0},
        ],
    }}


def test_expect_json_against_non_json_body() -> None:
    r = run([when(body="not json"), req(expect_json={"a": 1})])
    (f,) = r["findings"]
    assert f["kind"] == "assertion" and f["title"] == "http_json_parse"
    assert f["message"].startswith("http response body is not valid JSON: ")
    r = run([when(), req(expect_json=[])])
    assert titles(r) == ["http_json_parse"]


def test_expect_json_null_means_unset() -> None:
    r = run([when(body="not json"), req(expect_json=None)])
    assert r["status"] == "pass", r["findings"]


def test_save_body_only_after_all_checks_pass() -> None:
    scenario = {"version": 1, "name": "t", "steps": parse_steps(
        [when(body="b"), req(expect_headers={"h": "v"}, save_body_as="k")], "/steps")}
    rt, result = execute({"scenario": scenario, "seed": 1, "det": True})
    assert result["status"] == "fail"
    assert "k" not in rt.kv


def test_request_body_counts_as_request_payload() -> None:
    r = run([when("POST", "/p", body="ok"), req("POST", "/p", body="héllo",
                                                headers={"X-Trace": "1"})])
    assert r["status"] == "pass", r["findings"]
    (ev,) = events(r, "http_request")
    assert ev["request_payload_bytes"] == 6
    assert events(r, "capability_http")[0]["payload_bytes"] == 8


def test_websocket_upgrade_is_recognised() -> None:
    upgrade = {"Connection": "keep-alive, Upgrade", "Upgrade": "websocket"}
    r = run([when(status=101, headers={"Upgrade": "WebSocket"}), req(headers=upgrade)])
    (ev,) = events(r, "http_request")
    assert ev["request_kind"] == "websocket_upgrade"
    assert ev["upgrade_requested"] is True and ev["upgrade_accepted"] is True
    r = run([when(status=200), req(headers=upgrade)])
    assert events(r, "http_request")[0]["upgrade_accepted"] is False
    r = run([when("POST"), req("POST", headers=upgrade)])
    assert events(r, "http_request")[0]["request_kind"] == "http"


# -- run-time rejections (validation skipped, as in fuzz and replay) -----------------------


@pytest.mark.parametrize(
    ("step", "title", "message"),
    [
        (when(body="a", json={"a": 1}), "http_when_invalid",
         "HttpWhen: cannot set both body and json"),
        (when(delay="5sec"), "invalid_duration",
         'invalid duration unit "sec" (expected ms|s|m|h)'),
        (when(headers={"  ": "v"}), "http_header_invalid", "http header name cannot be empty"),
        (when(headers={"X-A": "v\r\nX-B: injected"}), "http_header_invalid",
         'http header contains forbidden newline: "X-A"'),
        (when(headers={"X\nA": "v"}), "http_header_invalid",
         'http header contains forbidden newline: "X\\nA"'),
        (when(json=1 << 70), "http_json_serialize",
         "http_when json cannot be serialized: Integer exceeds 64-bit range"),
        (req(expect_body="a", expect_json={"a": 1}), "http_request_invalid",
         "HttpRequest: cannot set both expect_body and expect_json"),
        (req(headers={"": "v"}), "http_header_invalid", "http header name cannot be empty"),
        (req(headers={"A": "\r"}), "http_header_invalid",
         'http header contains forbidden newline: "A"'),
    ],
)
def test_run_time_rejections_are_checkers(step: dict[str, Any], title: str, message: str) -> None:
    r = run([{"type": "trace_event", "name": "x"}, when("GET", "/other"), step])
    assert r["status"] == "fail"
    assert r["findings"] == [{"kind": "checker", "title": title, "message": message}]
    assert events(r, "http_request") == []


def test_rejected_rule_is_not_added() -> None:
    r = run([{"type": "assert_throws", "steps": [when(body="a", json=1)]},
             {"type": "assert_rejects", "steps": [req()]}])
    assert r["status"] == "pass", r["findings"]


@pytest.mark.parametrize(
    ("step", "field", "message", "category"),
    [
        (when(body="a", json={"a": 1}), "json", "HttpWhen: cannot set both body and json",
         "scenario error"),
        (when(delay="1.5s"), "delay", 'invalid duration unit ".5s" (expected ms|s|m|h)',
         "invalid argument"),
        (when(headers={"ok": "1", " ": "v"}), "headers/ ", "http header name cannot be empty",
         "scenario error"),
        (when(headers={"a/b~c": "\n"}), "headers/a~1b~0c",
         'http header contains forbidden newline: "a/b~c"', "scenario error"),
        (when(json=1 << 70), "json",
         "http_when json cannot be serialized: Integer exceeds 64-bit range", "scenario error"),
        (req(expect_body="a", expect_json=None), None, None, None),
        (req(expect_body="a", expect_json=[1]), "expect_json",
         "HttpRequest: cannot set both expect_body and expect_json", "scenario error"),
        (req(headers={"A": "x\ry"}), "headers/A", 'http header contains forbidden newline: "A"',
         "scenario error"),
        (when(body="a", delay="0ms", headers={"A": "b"}), None, None, None),
    ],
)
def test_validation_rejects_what_a_run_rejects(
    step: dict[str, Any], field: str | None, message: str | None, category: str | None
) -> None:
    if message is None:
        check(step)
        return
    with pytest.raises(CheckError) as e:
        check(step)
    assert (e.value.field, e.value.message, e.value.category) == (field, message, category)


# -- engine-level behaviour --------------------------------------------------------------


def test_http_when_alone_is_declaration_only() -> None:
    r = run([when(), when("POST")])
    assert titles(r) == ["no_steps_executed"]


def test_assert_throws_rolls_back_rule_use_clock_and_rules() -> None:
    r = run([
        when(times=1, delay="10ms"),
        {"type": "assert_throws", "steps": [
            req(), when("GET", "/inner"), {"type": "fail", "message": "x"},
        ]},
        req(),
        {"type": "assert_rejects", "steps": [req("GET", "/inner")]},
    ])
    assert r["status"] == "pass", r["findings"]
    assert r["virtualMs"] == 10
    assert len(events(r, "http_request")) == 1


def test_failing_expectation_inside_assert_throws_is_absorbed() -> None:
    r = run([when(status=500), {"type": "assert_throws", "steps": [req(expect_status=200)]},
             req(expect_status=500)])
    assert r["status"] == "pass", r["findings"]


def test_replay_rederives_scripted_responses() -> None:
    first = run(WORKED)
    again = run(WORKED, replay={"decisions": first["decisions"]})
    assert again["status"] == "pass", again["findings"]
    assert again["events"] == first["events"]


@pytest.mark.parametrize("backend", ["bogus", "Host"])
def test_unregistered_backend_is_an_honest_error(backend: str) -> None:
    r = run([when(), req()], backends={"http": backend})
    assert r["findings"] == [{
        "kind": "checker", "title": "backend_unavailable",
        "message": f'http backend "{backend}" is not available',
    }]


def test_registry_shape_and_roles() -> None:
    reg = registry()
    hw, hr = reg["http_when"], reg["http_request"]
    assert hw.declaration and not hr.declaration
    assert all(f.role is Role.ORACLE for f in hw.fields)
    roles = {f.name: f.role for f in hr.fields}
    assert {n for n, r in roles.items() if r is Role.INPUT} == {"path", "headers", "body"}
    assert {n for n, r in roles.items() if r is Role.ORACLE} == {
        "expect_status", "expect_headers", "expect_body", "expect_json"
    }
    with pytest.raises(ValueError, match="out of range"):
        parse_steps([when(status=70000)], "/steps")


# -- jsondiff ----------------------------------------------------------------------------


def json_equal(expected: Any, actual: Any) -> bool:
    return json_diff(expected, actual).total == 0


def test_json_equal_is_type_strict() -> None:
    assert json_equal({"a": [1, "x", None]}, {"a": [1, "x", None]})
    assert json_equal({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert json_equal(-0.0, 0.0)
    assert not json_equal(1, 1.0)
    assert not json_equal(True, 1)
    assert not json_equal(0, False)
    assert not json_equal(None, {})
    assert not json_equal([1], [1, 1])
    assert not json_equal(2**70, 2**70 + 1)  # beyond what orjson encodes: the walk decides


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(JSON, JSON, st.booleans())
def test_json_diff_fast_path_agrees_with_the_walk(a: Any, b: Any, same: bool) -> None:
    if same:
        b = orjson.loads(orjson.dumps(a))
    walked = JsonDiff()
    _walk(a, b, "$", walked)
    assert json_diff(a, b).mismatches == walked.mismatches


def test_json_diff_paths_and_cap() -> None:
    d = json_diff({"weird key": 1, "ok": {"n": [0]}}, {"weird key": 2, "ok": {"n": [0, 3]}})
    assert d.mismatches == [
        {"kind": "value_mismatch", "path": '$["weird key"]', "expected": 1, "actual": 2},
        {"kind": "extra_index", "path": "$.ok.n[1]", "actual": 3},
    ]
    big = json_diff(list(range(100)), [])
    assert big.total == 100
    assert len(big.mismatches) == MAX_MISMATCHES


def test_canonical_json() -> None:
    assert canonical_json({"b": 1, "a": [1.0, {"d": 1, "c": 2}]}) == (
        '{"a":[1.0,{"c":2,"d":1}],"b":1}'
    )
