"""The HTTP client behind the host backend: one exchange under a total deadline and a body cap.

Client choice: the stdlib `http.client`. The limits need two things a higher-level client hides:
the body must be read in small chunks that we count ourselves (so a 1 GB body costs at most the
cap in memory and is dropped at the cap), and the *total* deadline must hold even against a
server that trickles bytes, which per-operation socket timeouts alone cannot bound. With
`http.client` we own the socket: its timeout bounds connect and each read, and a watchdog shuts
the socket down at the deadline. Redirects (which `http.client` does not follow) are followed
here the way common clients do: at most 10 hops, 301/302/303 turn into a body-less GET (HEAD
stays HEAD), 307/308 keep method and body, credentials are dropped when the origin changes.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from workers.limits import DEFAULT_MAX_HTTP_BODY_BYTES, CappedBuffer, remaining_s

if TYPE_CHECKING:
    import http.client
    import threading

BODY_CHUNK = 8 * 1024
MAX_REDIRECTS = 10
_REDIRECTS = (301, 302, 303, 307, 308)
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")

# HttpOutcome.status values.
OK = "ok"
TIMEOUT = "timeout"
LIMIT = "limit"
ERROR = "error"


@dataclass(slots=True)
class HttpOutcome:
    """What one host HTTP exchange produced, as plain data.

    `status` is `ok`, `timeout` (the deadline passed before the exchange finished), `limit`
    (the body went past the cap; the connection was dropped) or `error` (transport failure,
    text in `error`). `body` holds at most the cap; `body_seen` counts every byte read.
    """

    status: str
    status_code: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_seen: int = 0
    duration_ns: int = 0
    error: str = ""


class _Watchdog:
    """Shuts the connection's socket down at the deadline so that no read, however slowly the
    server trickles, outlives it. `fired` is decided under a lock with `done`, so an exchange
    that completed in time is never reported as a timeout."""

    def __init__(self, deadline: float | None) -> None:
        import threading

        self.lock = threading.Lock()
        self.conn: http.client.HTTPConnection | None = None
        self.fired = False
        self.done = False
        self.timer: threading.Timer | None = None
        left = remaining_s(deadline)
        if left is not None:
            self.timer = threading.Timer(left, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.fired = True
            sock = None if self.conn is None else self.conn.sock
        if sock is not None:
            import socket

            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def finish(self) -> bool:
        """Stop watching; True when the deadline fired first."""
        with self.lock:
            self.done = True
            fired = self.fired
        if self.timer is not None:
            self.timer.cancel()
        return fired


def _connection(url: str, timeout: float | None) -> tuple[http.client.HTTPConnection, str]:
    import http.client

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"unsupported url {url!r}")
    target = _request_target(parts.path, parts.query)
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        import ssl

        conn = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    return conn, target


# Everything RFC 3986 allows in a path or query, plus `%` so existing escapes stay as sent.
_TARGET_SAFE = "/?&=%:@!$'()*+,;~-._[]"


def _request_target(path: str, query: str) -> str:
    """The request line's target, percent-encoding what cannot go on the wire as is
    (spaces, control characters, non-ASCII text as UTF-8), as browsers and clients do."""
    from urllib.parse import quote

    target = quote(path or "/", safe=_TARGET_SAFE)
    return target + (f"?{quote(query, safe=_TARGET_SAFE)}" if query else "")


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def _response_headers(resp: http.client.HTTPResponse) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in resp.getheaders():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def fetch(
    method: str,
    url: str,
    headers: dict[str, str],
    body: str | None,
    deadline: float | None,
    max_body_bytes: int = DEFAULT_MAX_HTTP_BODY_BYTES,
) -> HttpOutcome:
    """One HTTP exchange (redirects followed) that ends by `deadline` (a `time.monotonic()`
    value; already past = timeout without sending) and never holds more than `max_body_bytes`
    of body. Response header names are lower-cased; repeated headers are joined with `, `."""
    import http.client

    t0 = time.monotonic()
    if deadline is not None and deadline <= t0:
        return HttpOutcome(TIMEOUT)
    dog = _Watchdog(deadline)
    outcome = HttpOutcome(ERROR)
    try:
        outcome = _exchange(method, url, dict(headers), body, deadline, max_body_bytes, dog)
    except (OSError, http.client.HTTPException, ValueError) as e:
        text = str(e) or type(e).__name__
        timed_out = isinstance(e, TimeoutError) or "timed out" in text or "timeout" in text
        outcome = HttpOutcome(TIMEOUT if timed_out else ERROR, error=text)
    finally:
        if dog.finish():
            outcome = HttpOutcome(TIMEOUT, error="deadline reached")
        if dog.conn is not None:
            dog.conn.close()
    outcome.duration_ns = int((time.monotonic() - t0) * 1e9)
    return outcome


def _exchange(
    method: str,
    url: str,
    headers: dict[str, str],
    body: str | None,
    deadline: float | None,
    cap: int,
    dog: _Watchdog,
) -> HttpOutcome:
    payload = None if body is None else body.encode()
    for _ in range(MAX_REDIRECTS + 1):
        conn, target = _connection(url, remaining_s(deadline))
        with dog.lock:
            previous, dog.conn = dog.conn, conn
            if dog.fired:
                raise TimeoutError("deadline reached")
        if previous is not None:
            previous.close()
        # Values go out as UTF-8 bytes: http.client would otherwise insist on Latin-1 and
        # refuse any other text before a byte reached the server.
        wire = {k: v.encode() for k, v in headers.items()}
        conn.request(method, target, body=payload, headers=wire)
        resp = conn.getresponse()
        location_header = resp.getheader("location")
        if resp.status in _REDIRECTS and location_header:
            nxt = urljoin(url, location_header)
            if urlsplit(nxt).scheme not in ("http", "https"):
                raise ValueError(f"redirect to unsupported url {nxt!r}")
            if resp.status in (301, 302, 303) and method != "HEAD":
                method, payload = "GET", None
                headers = {
                    k: v for k, v in headers.items()
                    if k.lower() not in ("content-type", "content-length")
                }
            if _origin(nxt) != _origin(url):
                headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}
            url = nxt
            continue
        out = HttpOutcome(OK, resp.status, _response_headers(resp))
        buf = CappedBuffer("body", cap)
        while True:
            chunk = resp.read(BODY_CHUNK)
            if not chunk:
                break
            if buf.feed(chunk):
                out.status = LIMIT
                break
        out.body = bytes(buf.data)
        out.body_seen = buf.seen
        return out
    raise ValueError(f"too many redirects (more than {MAX_REDIRECTS})")
