"""Host HTTP backend: a step's request against a real http:// or https:// server, its decision
(recorded for replay) and the `http_when` contract checks; the exchange itself, under a total
deadline and a body cap, is `workers.capabilities.http_client`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
from workers.capabilities.http_client import ERROR, LIMIT, TIMEOUT, fetch
from workers.engine.findings import HANG, StepFailed, assertion, checker
from workers.engine.quote import opt as opt_q
from workers.engine.quote import q
from workers.engine.runtime import Decision, Runtime
from workers.limits import DEFAULT_MAX_HTTP_BODY_BYTES
from workers.steps.http import (
    HTTP_BACKENDS,
    HttpRequest,
    HttpResponse,
    consume,
    match_http_rule,
)
from workers.steps.registry import Step

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
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
