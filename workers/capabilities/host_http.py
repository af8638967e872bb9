"""Host HTTP backend: real http:// and https:// requests under a total deadline and a body cap.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import orjson

from workers.capabilities import (
    duration_of,
    failure_member,
    location,
    lossy,
    pass_host_time,
    preview,
    recorded_failure,
)
from workers.engine.findings import HANG, StepFailed, assertion, checker
from workers.engine.quote import opt as opt_q
from workers.engine.quote import q
from workers.engine.runtime import Decision, Runtime
from workers.limits import DEFAULT_MAX_HTTP_BODY_BYTES, CappedBuffer, remaining_s
from workers.steps.http import (
    HTTP_BACKENDS,
    HttpRequest,
    HttpResponse,
    consume,
    match_http_rule,
)
from workers.steps.registry import Step

if TYPE_CHECKING:
    import http.client
    import threading

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
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


# -- the host backend: a step's request, its decision, and the http_when contract ------------


def check_url(path: str) -> None:
    """Host requests need an absolute URL: there is no base to resolve `/path` against."""
    if not (path.startswith("http://") or path.startswith("https://")):
        raise checker(
            "http_host_url",
            f"host http backend requires absolute http/https url, got {q(path)}",
        )


def check_rule_path(path: str) -> None:
    """An `http_when` rule under the host backend matches a full URL or a `/path?query`."""
    if not (path.startswith(("http://", "https://", "/"))):
        raise checker(
            "http_when_host_path",
            f"host http_when path must be an absolute http(s) url"
            f" (e.g. \"http://127.0.0.1:8080/health\") or start with \"/\""
            f" (e.g. \"/health\"), got {q(path)}",
        )


def path_and_query(url: str) -> str:
    """Everything from the first `/` after the host (`/` when there is none)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    slash = rest.find("/")
    return "/" if slash < 0 else rest[slash:]


def rule_path_matches(rule_path: str, url: str) -> bool:
    if rule_path.startswith(("http://", "https://")):
        return rule_path == url
    if rule_path.startswith("/"):
        return rule_path == path_and_query(url)
    return False


def host_method(method: str) -> str:
    upper = method.upper()
    if upper not in METHODS:
        raise assertion(
            "http_host_request",
            f"unsupported host http method {q(method)} (expected one of {', '.join(METHODS)})",
        )
    return upper


def unmatched(
    rt: Runtime, method: str, url: str, headers: dict[str, str], upgrade: bool
) -> StepFailed:
    kind = "websocket_upgrade" if upgrade else "http"
    message = (
        "no http_when matched this host request. remediation: declare an http_when with this"
        " method and a matching path (the absolute URL, or `/path?query`), remove every"
        " http_when to allow unrestricted host requests, or run with --http-backend scripted."
        f" request={method} {url}"
    )
    details = {
        "requestKind": kind, "method": method, "path": url, "upgradeRequested": upgrade,
        "headers": dict(sorted(headers.items())),
    }
    return assertion("http_when_host_unmatched", message, location(rt, details))


def live_decision(
    rt: Runtime, method: str, url: str, headers: dict[str, str], body: str | None
) -> Decision:
    """Send the request for real and describe what happened as a decision."""
    cap = int(rt.limits.get("max_http_body_bytes") or DEFAULT_MAX_HTTP_BODY_BYTES)
    out = fetch(method, url, headers, body, rt.deadline_wall(), cap)
    ms = duration_of(out.duration_ns)
    if out.status == TIMEOUT:
        return {"kind": "http_request_timeout", "method": method, "path": url, "duration_ms": ms}
    decision: Decision = {
        "kind": "http_request",
        "method": method,
        "path": url,
        "status_code": out.status_code,
        "headers": dict(sorted(out.headers.items())),
        "body": lossy(out.body),
        "duration_ms": ms,
    }
    if out.status == LIMIT:
        decision["limit_exceeded"] = "body"
        decision["limit_bytes"] = cap
        decision["observed_bytes"] = out.body_seen
        decision["failure"] = failure_member(assertion(
            "http_host_request",
            f"host http body exceeded limit for {method} {url}:"
            f" {out.body_seen} bytes > {cap} bytes",
        ))
    elif out.status == ERROR:
        decision["failure"] = failure_member(assertion(
            "http_host_request", f"host http request failed for {method} {url}: {out.error}"
        ))
    return decision


@dataclass(frozen=True, slots=True)
class Answer:
    """The parts of a response the step handler needs, whichever way it was obtained."""

    status: int
    headers: dict[str, str]
    body: str
    duration_ms: int


def apply(rt: Runtime, decision: Decision, upgrade: bool) -> Answer:
    """Log the decision, let its duration pass, and turn it into a response or a failure."""
    rt.decide(decision)
    ms = int(decision.get("duration_ms", 0))
    pass_host_time(rt, ms)
    method, url = decision["method"], decision["path"]
    if decision["kind"] == "http_request_timeout":
        tail = "; no terminal handshake boundary was observed before timeout" if upgrade else ""
        raise StepFailed(
            HANG, "timeout", f"host http request timed out for {method} {url}{tail}",
            location(rt, {"requestKind": "websocket_upgrade" if upgrade else "http",
                          "method": method, "path": url, "durationMs": ms}),
        )
    failure = recorded_failure(decision)
    if failure is not None:
        raise failure
    return Answer(
        int(decision["status_code"]), dict(decision.get("headers") or {}),
        str(decision["body"]), ms,
    )


def check_contract(rt: Runtime, rule: dict[str, Any], method: str, url: str, ans: Answer) -> None:
    """A matched rule under the host backend is a contract the live response must meet."""
    where = f"{method} {url}"
    if ans.status != rule["status"]:
        raise assertion(
            "http_when_host_status",
            f"http_when status mismatch for {where}: expected {rule['status']}, got {ans.status}",
            location(rt),
        )
    for name, value in rule["headers"].items():
        actual = ans.headers.get(name)
        if actual != value:
            raise assertion(
                "http_when_host_headers",
                f"http_when header mismatch for {where}: {q(name)} expected {q(value)},"
                f" got {opt_q(actual)}",
                location(rt),
            )
    if rule["body"] is not None and ans.body != rule["body"]:
        raise assertion(
            "http_when_host_body", f"http_when body mismatch for {where}",
            location(rt, {"expectedPreview": preview(rule["body"]),
                          "actualPreview": preview(ans.body)}),
        )
    if rule["json"] is not None:
        from workers.steps.jsondiff import json_diff

        try:
            actual_json = orjson.loads(ans.body)
        except orjson.JSONDecodeError as e:
            raise assertion(
                "http_when_host_json_parse",
                f"http_when json parse failed for {where}: {e}",
                location(rt, {"actualPreview": preview(ans.body)}),
            ) from None
        diff = json_diff(rule["json"], actual_json)
        if diff.total:
            raise assertion(
                "http_when_host_json",
                f"http_when json mismatch for {where} ({diff.total} structural difference(s))",
                location(rt, {"mismatchCount": diff.total, "mismatches": diff.mismatches}),
            )


Obtain = Callable[[Runtime, str, HttpRequest], Decision]


def serve(rt: Runtime, request: HttpRequest, obtain: Obtain, boundary: str) -> HttpResponse:
    """The host request lifecycle shared by the live and the replay backend: URL check, rule
    match, method check, the decision from `obtain`, then the matched rule's contract."""
    url = request.path
    check_url(url)
    rule = None
    if rt.http_rules:
        rule = match_http_rule(rt.http_rules, request.method, url, rule_path_matches)
        if rule is None:
            raise unmatched(rt, request.method, url, request.headers, request.upgrade_requested)
    method = host_method(request.method)
    ans = apply(rt, obtain(rt, method, request), request.upgrade_requested)
    if rule is not None:
        consume(rule)
        check_contract(rt, rule, method, url, ans)
    accepted = (
        request.upgrade_requested
        and ans.status == 101
        and ans.headers.get("upgrade", "").strip().lower() == "websocket"
    )
    if boundary == "live":
        boundary = "upgrade_handshake" if accepted else "response_complete"
    return HttpResponse(ans.status, ans.headers, ans.body, ans.duration_ms, boundary, accepted)


def _live(rt: Runtime, method: str, request: HttpRequest) -> Decision:
    return live_decision(rt, method, request.path, request.headers, request.body)


def host_send(rt: Runtime, s: Step, request: HttpRequest) -> HttpResponse:
    return serve(rt, request, _live, "live")


HTTP_BACKENDS["host"] = host_send
