"""http_request on the host backend against a real HTTP server on 127.0.0.1: normal, slow,
never-answering, endless and 1 GB bodies, redirects, the http_when contract, and replay with
no server at all. Every handler loop is bounded and stops when the fixture shuts down."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.unit.enginekit import run, titles
from workers.capabilities.host_http import path_and_query, rule_path_matches
from workers.capabilities.http_client import OK, TIMEOUT, fetch

HOST = {"http": "host"}
STOP = threading.Event()
GIB = 1024 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _stream(self, chunks: int, chunk: bytes, pause: float = 0.0) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(chunks * len(chunk)))
        self.end_headers()
        try:
            for _ in range(chunks):
                if STOP.is_set():
                    return
                self.wfile.write(chunk)
                if pause:
                    STOP.wait(pause)
        except OSError:
            return

    def do_GET(self) -> None:
        path = self.path
        if path.startswith("/ok"):
            self._send(200, b'{"b": [1, 2], "a": "x"}',
                       {"Content-Type": "application/json", "X-Test": "yes"})
        elif path == "/slow":
            STOP.wait(0.3)
            self._send(200, b"slow done")
        elif path == "/hang":
            STOP.wait(60)
        elif path == "/endless":
            self._stream(1_000_000, b"e" * 65536)
        elif path == "/gigabyte":
            self._stream(GIB // 65536, b"g" * 65536)
        elif path == "/trickle":
            self._stream(600, b"t", pause=0.1)
        elif path == "/redirect":
            self._send(302, b"", {"Location": "/ok?from=redirect"})
        elif path == "/status/503":
            self._send(503, b"down")
        else:
            self._send(404, b"nope")

    def do_HEAD(self) -> None:
        self._send(200, b"ignored body")

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        echo = {"method": self.command, "body": body.decode(),
                "x-token": self.headers.get("X-Token")}
        self._send(201, json.dumps(echo, sort_keys=True).encode())

    do_PUT = do_POST


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    STOP.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        STOP.set()
        server.shutdown()
        server.server_close()


def req(url: str, method: str = "GET", **fields: Any) -> dict[str, Any]:
    return {"type": "http_request", "method": method, "path": url, **fields}


def when(path: str, status: int = 200, method: str = "GET", **fields: Any) -> dict[str, Any]:
    return {"type": "http_when", "method": method, "path": path, "status": status, **fields}


def host(steps: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    spec.setdefault("backends", HOST)
    return run(steps, **spec)


def replay(steps: list[dict[str, Any]], first: dict[str, Any]) -> dict[str, Any]:
    return run(steps, backends={"http": "replay"},
               replay={"decisions": first["decisions"], "recorded_status": first["status"]})


def host_decisions(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in r["decisions"] if d["kind"] != "scheduler_pick"]


def test_normal_request_expectations_and_decision(base: str) -> None:
    steps = [
        req(f"{base}/ok", expect_status=200, expect_headers={"X-Test": "yes"},
            expect_json={"a": "x", "b": [1, 2]}, save_body_as="body"),
        {"type": "get_kv_assert", "key": "body", "equals": '{"b": [1, 2], "a": "x"}'},
    ]
    r = host(steps)
    assert r["status"] == "pass", r["findings"]
    [d] = host_decisions(r)
    assert d["kind"] == "http_request"
    assert (d["method"], d["path"], d["status_code"]) == ("GET", f"{base}/ok", 200)
    assert d["headers"]["x-test"] == "yes"
    assert r["virtualMs"] == d["duration_ms"] >= 1
    [ev] = [e for e in r["events"] if e["name"] == "http_request"]
    assert ev["fields"]["backend"] == "host"
    assert ev["fields"]["completion_boundary"] == "response_complete"


def test_post_with_headers_and_body(base: str) -> None:
    expected = {"body": "payload", "method": "POST", "x-token": "t1"}
    r = host([req(f"{base}/echo", "post", headers={"X-Token": "t1"}, body="payload",
                  expect_status=201, expect_json=expected)])
    assert r["status"] == "pass", r["findings"]


def test_non_2xx_is_a_normal_response_and_head_has_no_body(base: str) -> None:
    r = host([req(f"{base}/status/503", expect_status=503, expect_body="down"),
              req(f"{base}/ok", "HEAD", expect_status=200, expect_body="")])
    assert r["status"] == "pass", r["findings"]
    bad = host([req(f"{base}/status/503", expect_status=200)])
    assert bad["findings"][0]["message"] == "expected status 200, got 503"


def test_redirect_is_followed(base: str) -> None:
    r = host([req(f"{base}/redirect", expect_status=200, expect_headers={"x-test": "yes"})])
    assert r["status"] == "pass", r["findings"]


def test_slow_server_is_waited_for_and_its_time_passes(base: str) -> None:
    r = host([req(f"{base}/slow", expect_body="slow done")], timeout_ms=30_000)
    assert r["status"] == "pass", r["findings"]
    assert host_decisions(r)[0]["duration_ms"] >= 300
    assert r["virtualMs"] >= 300


def test_server_that_never_answers_times_out_promptly_and_replays(base: str) -> None:
    steps = [req(f"{base}/hang")]
    t0 = time.monotonic()
    r = host(steps, det=False, timeout_ms=1000)
    took = time.monotonic() - t0
    assert r["status"] == "timeout"
    assert took < 10, f"took {took:.1f}s for a 1s deadline"
    [f] = r["findings"]
    assert (f["kind"], f["title"]) == ("hang", "timeout")
    assert f["message"] == f"host http request timed out for GET {base}/hang"
    [d] = host_decisions(r)
    assert d["kind"] == "http_request_timeout"
    again = replay(steps, r)
    assert again["status"] == "timeout"
    assert again["findings"] == r["findings"]


def test_body_that_never_finishes_times_out(base: str) -> None:
    t0 = time.monotonic()
    r = host([req(f"{base}/trickle")], det=False, timeout_ms=1000)
    assert time.monotonic() - t0 < 10
    assert r["status"] == "timeout"
    assert host_decisions(r)[0]["kind"] == "http_request_timeout"


def test_endless_body_is_cut_at_the_cap_and_replays(base: str) -> None:
    steps = [req(f"{base}/endless")]
    t0 = time.monotonic()
    r = host(steps, limits={"max_http_body_bytes": 1024 * 1024})
    assert time.monotonic() - t0 < 30
    assert r["status"] == "fail"
    [f] = r["findings"]
    assert f["title"] == "http_host_request"
    assert f["message"].startswith(f"host http body exceeded limit for GET {base}/endless: ")
    assert f["message"].endswith(" bytes > 1048576 bytes")
    [d] = host_decisions(r)
    assert d["limit_exceeded"] == "body"
    assert d["limit_bytes"] == 1024 * 1024
    assert 1024 * 1024 < d["observed_bytes"] <= 1024 * 1024 + 8192
    assert len(d["body"]) == 1024 * 1024
    again = replay(steps, r)
    assert again["status"] == "fail"
    assert again["findings"] == r["findings"]


def test_gigabyte_body_is_dropped_at_the_default_cap(base: str) -> None:
    t0 = time.monotonic()
    r = host([req(f"{base}/gigabyte")])
    assert time.monotonic() - t0 < 30, "the 1 GB body must not be read"
    assert r["status"] == "fail"
    assert "> 8388608 bytes" in r["findings"][0]["message"]
    assert host_decisions(r)[0]["observed_bytes"] < 8 * 1024 * 1024 + 8192 + 1


def test_pure_fetch_outcomes(base: str) -> None:
    out = fetch("GET", f"{base}/ok", {}, None, time.monotonic() + 30, 1000)
    assert out.status == OK
    assert out.status_code == 200
    assert out.headers["content-type"] == "application/json"
    past = fetch("GET", f"{base}/ok", {}, None, time.monotonic() - 1)
    assert past.status == TIMEOUT
    assert past.duration_ns < 50_000_000


def test_transport_errors_and_bad_input(base: str) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    refused = host([req(f"http://127.0.0.1:{closed_port}/x")])
    assert titles(refused) == ["http_host_request"]
    assert refused["findings"][0]["message"].startswith(
        f"host http request failed for GET http://127.0.0.1:{closed_port}/x: "
    )
    assert replay([req(f"http://127.0.0.1:{closed_port}/x")], refused)["findings"] == (
        refused["findings"]
    )
    tls = host([req(base.replace("http://", "https://") + "/ok")], timeout_ms=20_000)
    assert titles(tls) == ["http_host_request"]
    relative = host([req("/ok")])
    assert relative["findings"][0]["kind"] == "checker"
    assert titles(relative) == ["http_host_url"]
    method = host([req(f"{base}/ok", "BREW")])
    assert titles(method) == ["http_host_request"]
    assert host_decisions(method) == [], "an unsupported method is never sent"


def test_http_when_is_a_contract_on_the_live_response(base: str) -> None:
    ok = host([when("/ok", headers={"x-test": "yes"}, json={"a": "x", "b": [1, 2]}),
               req(f"{base}/ok")])
    assert ok["status"] == "pass", ok["findings"]
    absolute = host([when(f"{base}/ok?q=1", times=1), req(f"{base}/ok?q=1"),
                     req(f"{base}/ok?q=1")])
    assert titles(absolute) == ["http_when_host_unmatched"]
    unmatched = host([when("/other"), req(f"{base}/ok")])
    assert titles(unmatched) == ["http_when_host_unmatched"]
    message = unmatched["findings"][0]["message"]
    assert "--http-backend scripted" in message
    assert message.endswith(f"request=GET {base}/ok")
    assert unmatched["findings"][0]["location"]["details"]["requestKind"] == "http"
    assert titles(host([when("/ok", 201), req(f"{base}/ok")])) == ["http_when_host_status"]
    assert titles(host([when("/ok", headers={"x-test": "no"}), req(f"{base}/ok")])) == [
        "http_when_host_headers"
    ]
    assert titles(host([when("/ok", body="x"), req(f"{base}/ok")])) == ["http_when_host_body"]
    json_bad = host([when("/ok", json={"a": "y", "b": [1, 2]}), req(f"{base}/ok")])
    assert titles(json_bad) == ["http_when_host_json"]
    assert json_bad["findings"][0]["location"]["details"]["mismatchCount"] == 1
    not_json = host([when("/status/503", 503, json={"a": 1}), req(f"{base}/status/503")])
    assert titles(not_json) == ["http_when_host_json_parse"]
    bad_rule = host([when("ok"), req(f"{base}/ok")])
    assert titles(bad_rule) == ["http_when_host_path"]


def test_replay_needs_no_server_and_detects_drift(base: str) -> None:
    steps = [req(f"{base}/ok", expect_status=200, save_body_as="b"),
             req(f"{base}/echo", "PUT", body="x", expect_status=201)]
    r = host(steps)
    assert r["status"] == "pass", r["findings"]
    again = replay(steps, r)
    assert again["status"] == "pass", again["findings"]
    assert again["decisions"] == r["decisions"]
    drifted = replay([req(f"{base}/other"), steps[1]], r)
    assert titles(drifted) == ["replay_drift"]


def test_rule_path_matching() -> None:
    assert path_and_query("http://h:1") == "/"
    assert path_and_query("http://h:1/a/b?c=d") == "/a/b?c=d"
    assert rule_path_matches("/a?x=1", "https://h/a?x=1")
    assert not rule_path_matches("/a", "https://h/a?x=1")
    assert rule_path_matches("http://h/a", "http://h/a")
    assert not rule_path_matches("http://h/a", "http://h:80/a")
    assert not rule_path_matches("a", "http://h/a")


def test_cli_run_never_answering_server_exits_3(base: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    scenario = tmp_path / "hang.fozzy.json"
    scenario.write_text(json.dumps({
        "version": 1, "name": "hang",
        "steps": [{"type": "http_request", "method": "GET", "path": f"{base}/hang"}],
    }))
    proc = subprocess.run(
        [sys.executable, "-m", "fozzy", "run", str(scenario), "--http-backend", "host",
         "--timeout", "1s", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["status"] == "timeout"


def test_non_latin1_header_values_are_sent_as_utf8(base: str) -> None:
    # Regression: http.client refused such values client-side, before any byte was sent
    # (fuzzing header values hit it at once).
    r = host([req(f"{base}/echo", "post", headers={"X-Token": "žluť \ufffd"}, body="b",
                  expect_status=201)])
    assert r["status"] == "pass", r["findings"]
    body = json.loads(host_decisions(r)[0]["body"])
    assert body["x-token"].encode("latin-1").decode("utf-8") == "žluť \ufffd"


def test_unencoded_path_characters_are_percent_encoded(base: str) -> None:
    r = host([req(f"{base}/ok?q=a b&u=ž", expect_status=200)])
    assert r["status"] == "pass", r["findings"]
    r = host([req(f"{base}/o\x7fk", expect_status=404)])
    assert r["status"] == "pass", r["findings"]
