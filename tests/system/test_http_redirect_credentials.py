"""Credentials never follow a redirect to another origin: two real servers on 127.0.0.1 with
different ports are different origins; a redirect within one origin keeps them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.unit.enginekit import run
from workers.capabilities.http_client import OK, fetch

SECRETS = {"Authorization": "Bearer s3cret", "Cookie": "session=abc"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    other_origin = ""  # set per server: where /cross redirects to

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        if self.path == "/cross":
            self._send(302, b"", {"Location": f"{self.other_origin}/echo"})
        elif self.path == "/same":
            self._send(307, b"", {"Location": "/echo"})
        else:
            seen = {k.lower(): v for k, v in self.headers.items()}
            body = {"authorization": seen.get("authorization"), "cookie": seen.get("cookie"),
                    "x-keep": seen.get("x-keep")}
            self._send(200, json.dumps(body, sort_keys=True).encode(),
                       {"Content-Type": "application/json"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[str, str]]:
    class A(Handler):
        pass

    class B(Handler):
        pass

    a, b = _serve(A), _serve(B)
    url_a = f"http://127.0.0.1:{a.server_address[1]}"
    url_b = f"http://127.0.0.1:{b.server_address[1]}"
    A.other_origin, B.other_origin = url_b, url_a
    try:
        yield url_a, url_b
    finally:
        for s in (a, b):
            s.shutdown()
            s.server_close()


def echoed(url: str) -> dict[str, Any]:
    out = fetch("GET", url, {**SECRETS, "X-Keep": "k"}, None, time.monotonic() + 20)
    assert out.status == OK and out.status_code == 200, out.error
    return dict(json.loads(out.body))


def test_cross_origin_redirect_drops_authorization_and_cookie(origins: tuple[str, str]) -> None:
    a, _ = origins
    assert echoed(f"{a}/cross") == {"authorization": None, "cookie": None, "x-keep": "k"}


def test_same_origin_redirect_keeps_credentials(origins: tuple[str, str]) -> None:
    a, _ = origins
    assert echoed(f"{a}/same") == {"authorization": "Bearer s3cret", "cookie": "session=abc",
                                  "x-keep": "k"}


def test_http_request_step_sends_no_credentials_across_origins(origins: tuple[str, str]) -> None:
    a, _ = origins
    step = {"type": "http_request", "method": "GET", "path": f"{a}/cross",
            "headers": SECRETS, "expect_status": 200,
            "expect_json": {"authorization": None, "cookie": None, "x-keep": None}}
    r = run([step], backends={"http": "host"})
    assert r["status"] == "pass", r["findings"]
