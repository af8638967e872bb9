"""HTTP steps: `http_when` declares a response rule, `http_request` sends a request.

`http_request` picks its backend in one place (`_send`) from `rt.backends["http"]`; the
backend turns an `HttpRequest` into an `HttpResponse`, and the step then emits the shared
events and runs the `expect_*` checks, so every backend is judged the same way. The scripted
backend (default) answers from the first matching rule and logs no decision: replay
re-derives the answer from the same rules. Other backends (`"host"`, `"replay"`) register a
`Sender` in `HTTP_BACKENDS`; until they do, selecting one fails the step with checker
`backend_unavailable`. `match_http_rule` is the one rule-matching function for all of them
(the host backend passes its own path comparison).

Everything a run rejects before sending (body with json, bad delay, bad header names) is
also a `check`, so validation refuses it up front; the run-time checks stay because fuzz
and replay skip validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from workers.engine.findings import StepFailed, assertion, checker
from workers.engine.quote import opt as opt_q
from workers.engine.quote import q
from workers.engine.runtime import Runtime
from workers.steps.jsondiff import canonical_json, json_diff
from workers.steps.registry import CheckError, Role, Step, T, opt, req, step
from workers.steps.time import check_durations, duration_ms

HttpRule = dict[str, Any]

WHEN_INVALID = "HttpWhen: cannot set both body and json"
REQUEST_INVALID = "HttpRequest: cannot set both expect_body and expect_json"


class HeaderError(ValueError):
    """A header map no request could carry; `name` is the offending name as written."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def canonical_headers(headers: dict[str, str] | None) -> dict[str, str]:
    """Names trimmed and lower-cased (HTTP names are case-insensitive); an empty name or a
    CR/LF anywhere would split or corrupt the header block, so both are refused."""
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        key = name.strip().lower()
        if not key:
            raise HeaderError(name, "http header name cannot be empty")
        if any(c in name or c in value for c in "\r\n"):
            raise HeaderError(name, f"http header contains forbidden newline: {q(name)}")
        out[key] = value
    return out


def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _check_headers(s: Step, field: str) -> None:
    try:
        canonical_headers(s[field])
    except HeaderError as e:
        raise CheckError(f"{field}/{_pointer_token(e.name)}", str(e)) from None


def _run_headers(headers: dict[str, str] | None) -> dict[str, str]:
    try:
        return canonical_headers(headers)
    except HeaderError as e:
        raise checker("http_header_invalid", str(e)) from None


def _exact(rule_path: str, path: str) -> bool:
    return rule_path == path


def match_http_rule(
    rules: list[HttpRule],
    method: str,
    path: str,
    same_path: Callable[[str, str], bool] = _exact,
) -> HttpRule | None:
    """The first rule with uses left, the exact (case-sensitive) method and a matching path;
    `same_path(rule_path, request_path)` defaults to exact equality, query included."""
    for rule in rules:
        remaining = rule["remaining"]
        if (
            (remaining is None or remaining > 0)
            and rule["method"] == method
            and same_path(rule["path"], path)
        ):
            return rule
    return None


def consume(rule: HttpRule) -> None:
    """Use a rule once; unlimited rules (`remaining` None) are never decremented."""
    if rule["remaining"] is not None:
        rule["remaining"] -= 1


# -- http_when -----------------------------------------------------------------------------

_check_delay = check_durations("delay")


def _check_when(s: Step) -> None:
    if s["body"] is not None and s["json"] is not None:
        raise CheckError("json", WHEN_INVALID)
    _check_delay(s)
    _check_headers(s, "headers")
    if s["json"] is not None:
        try:
            canonical_json(s["json"])
        except orjson.JSONEncodeError as e:
            raise CheckError("json", f"http_when json cannot be serialized: {e}") from None


@step(
    "http_when",
    req("method", T.STR, Role.ORACLE),
    req("path", T.STR, Role.ORACLE),
    req("status", T.U16, Role.ORACLE),
    opt("headers", T.STR_MAP, Role.ORACLE),
    opt("body", T.STR, Role.ORACLE),
    opt("json", T.JSON, Role.ORACLE),
    opt("delay", T.DURATION, Role.ORACLE),
    opt("times", T.U64, Role.ORACLE),
    check=_check_when,
    declaration=True,
    example={
        "type": "http_when", "method": "GET", "path": "/v1/status", "status": 200,
        "json": {"up": True}, "times": 1,
    },
    notes=(
        "set at most one of body/json (json is sent compact with sorted keys); method and path"
        " match exactly; `times` defaults to unlimited and 0 never matches; `delay` is added"
        " per matched request"
    ),
)
def http_when(rt: Runtime, s: Step) -> None:
    if s["body"] is not None and s["json"] is not None:
        raise checker("http_when_invalid", WHEN_INVALID)
    delay = 0 if s["delay"] is None else duration_ms(s, "delay")
    headers = _run_headers(s["headers"])
    if rt.backends["http"] != "scripted":
        from workers.capabilities.host_http import check_rule_path

        check_rule_path(s["path"])
    body = s["body"]
    if s["json"] is not None:
        try:
            body = canonical_json(s["json"])
        except orjson.JSONEncodeError as e:
            raise checker("http_json_serialize", f"http_when json cannot be serialized: {e}") from e
    rt.http_rules.append({
        "method": s["method"],
        "path": s["path"],
        "status": s["status"],
        "headers": headers,
        "body": s["body"],
        "json": s["json"],
        "response_body": "" if body is None else body,
        "delay_ms": delay,
        "remaining": s["times"],
    })


# -- http_request --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None

    @property
    def upgrade_requested(self) -> bool:
        """A websocket handshake: GET with `connection: …upgrade…` and `upgrade: websocket`."""
        connection = self.headers.get("connection", "").lower()
        return (
            self.method.upper() == "GET"
            and "upgrade" in (t.strip() for t in connection.split(","))
            and self.headers.get("upgrade", "").strip().lower() == "websocket"
        )

    @property
    def kind(self) -> str:
        return "websocket_upgrade" if self.upgrade_requested else "http"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: str
    duration_ms: int
    completion_boundary: str
    upgrade_accepted: bool


Sender = Callable[[Runtime, Step, HttpRequest], HttpResponse]


def _upgrade_accepted(req_: HttpRequest, status: int, headers: dict[str, str]) -> bool:
    return (
        req_.upgrade_requested
        and status == 101
        and headers.get("upgrade", "").strip().lower() == "websocket"
    )


def scripted_send(rt: Runtime, s: Step, request: HttpRequest) -> HttpResponse:
    """Answer from the first matching rule; its delay passes on the virtual clock in det
    mode and really elapses otherwise."""
    rule = match_http_rule(rt.http_rules, request.method, request.path)
    if rule is None:
        raise assertion("http_unmatched", f"no http mock matched {request.method} {request.path}")
    consume(rule)
    delay = rule["delay_ms"]
    if rt.det:
        rt.clock.pass_time(delay)
    else:
        rt.sleep_wall(delay)
    return HttpResponse(
        status=rule["status"],
        headers=dict(rule["headers"]),
        body=rule["response_body"],
        duration_ms=delay,
        completion_boundary="scripted_response",
        upgrade_accepted=_upgrade_accepted(request, rule["status"], rule["headers"]),
    )


HTTP_BACKENDS: dict[str, Sender] = {"scripted": scripted_send}


def _send(rt: Runtime, s: Step, request: HttpRequest) -> HttpResponse:
    name = rt.backends["http"]
    sender = HTTP_BACKENDS.get(name)
    if sender is None:
        raise checker("backend_unavailable", f"http backend {q(name)} is not available")
    return sender(rt, s, request)


def _check_request(s: Step) -> None:
    if s["expect_body"] is not None and s["expect_json"] is not None:
        raise CheckError("expect_json", REQUEST_INVALID)
    _check_headers(s, "headers")


def _json_mismatch(rt: Runtime, expected: Any, body: str) -> StepFailed | None:
    try:
        actual = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        return assertion("http_json_parse", f"http response body is not valid JSON: {e}")
    diff = json_diff(expected, actual)
    if diff.total == 0:
        return None
    location: dict[str, Any] = {}
    if rt.scenario_path is not None:
        location["file"] = rt.scenario_path
    location["details"] = {"mismatchCount": diff.total, "mismatches": diff.mismatches}
    return assertion("http_json", "http response json mismatch", location)


@step(
    "http_request",
    req("method", T.STR),
    req("path", T.STR, Role.INPUT),
    opt("headers", T.STR_MAP, Role.INPUT),
    opt("body", T.STR, Role.INPUT),
    opt("expect_status", T.U16, Role.ORACLE),
    opt("expect_headers", T.STR_MAP, Role.ORACLE),
    opt("expect_body", T.STR, Role.ORACLE),
    opt("expect_json", T.JSON, Role.ORACLE),
    opt("save_body_as", T.STR),
    check=_check_request,
    example={
        "type": "http_request", "method": "GET", "path": "/v1/status", "expect_status": 200,
        "expect_json": {"up": True},
    },
    notes=(
        "set at most one of expect_body/expect_json; expect_json compares structurally (key"
        " order ignored, 1 != 1.0); omitted expectations are not asserted; save_body_as"
        " stores the body after all checks pass"
    ),
)
def http_request(rt: Runtime, s: Step) -> None:
    if s["expect_body"] is not None and s["expect_json"] is not None:
        raise checker("http_request_invalid", REQUEST_INVALID)
    request = HttpRequest(s["method"], s["path"], _run_headers(s["headers"]), s["body"])
    resp = _send(rt, s, request)
    request_bytes = 0 if request.body is None else len(request.body.encode())
    response_bytes = len(resp.body.encode())
    rt.emit("http_request", {
        "backend": rt.backends["http"],
        "completion_boundary": resp.completion_boundary,
        "duration_ms": resp.duration_ms,
        "has_body": bool(resp.body),
        "header_count": len(resp.headers),
        "method": request.method,
        "path": request.path,
        "request_kind": request.kind,
        "request_payload_bytes": request_bytes,
        "response_payload_bytes": response_bytes,
        "status": resp.status,
        "upgrade_accepted": resp.upgrade_accepted,
        "upgrade_requested": request.upgrade_requested,
    })
    rt.emit("capability_http", {
        "duration_ms": resp.duration_ms,
        "method": request.method,
        "op": "request",
        "path": request.path,
        "payload_bytes": request_bytes + response_bytes,
    })
    if s["expect_status"] is not None and resp.status != s["expect_status"]:
        raise assertion("http_status", f"expected status {s['expect_status']}, got {resp.status}")
    if s["expect_body"] is not None and resp.body != s["expect_body"]:
        raise assertion("http_body", "http response body mismatch")
    if s["expect_json"] is not None:
        mismatch = _json_mismatch(rt, s["expect_json"], resp.body)
        if mismatch is not None:
            raise mismatch
    for name, value in (s["expect_headers"] or {}).items():
        key = name.strip().lower()
        actual = resp.headers.get(key)
        if actual != value:
            raise assertion(
                "http_headers",
                f"http response header mismatch for {q(key)}: expected {q(value)},"
                f" got {opt_q(actual)}",
            )
    if s["save_body_as"] is not None:
        rt.kv[s["save_body_as"]] = resp.body
