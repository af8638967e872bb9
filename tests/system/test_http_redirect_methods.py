"""A redirect's method rules on a real server: 301/302/303 turn a POST into a body-less GET
(and drop its Content-Type), 307/308 repeat the POST with its body."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from workers.capabilities.http_client import OK, fetch


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size) if size else b""
        if self.path.startswith("/to/"):
            self._send(int(self.path[4:]), b"", {"Location": "/echo"})
            return
        seen = {"method": self.command, "body": body.decode(),
                "content-type": self.headers.get("Content-Type")}
        self._send(200, json.dumps(seen).encode(), {"Content-Type": "application/json"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def posted_through(url: str) -> dict[str, Any]:
    out = fetch("POST", url, {"Content-Type": "text/plain"}, "payload", time.monotonic() + 20)
    assert out.status == OK and out.status_code == 200, out.error
    return dict(json.loads(out.body))


@pytest.mark.parametrize("status", [301, 302, 303])
def test_post_redirected_by_301_302_303_becomes_a_bodyless_get(origin: str, status: int) -> None:
    assert posted_through(f"{origin}/to/{status}") == {
        "method": "GET", "body": "", "content-type": None}


@pytest.mark.parametrize("status", [307, 308])
def test_post_redirected_by_307_308_is_repeated_with_its_body(origin: str, status: int) -> None:
    assert posted_through(f"{origin}/to/{status}") == {
        "method": "POST", "body": "payload", "content-type": "text/plain"}
