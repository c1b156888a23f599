"""The exchange that shows a failure: which request of a test broke the contract, as plain data for the report
(request and response with bounded, redacted bodies) and a curl command that sends that very request again.

Every request of a test is in the target's transcript, those schemathesis sends for generated tests included (they
go through the run's session), so a generated failure also shows the exchange that failed, not the cleanup that
followed it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .. import spec

BODY_LIMIT = 4096  # characters of a body shown; cut first, then redacted
TOKEN_VARIABLE = "WEBCHAT_TOKEN_{}"
# headers curl sets itself or that say nothing about the request
CURL_SKIPPED_HEADERS = {"content-length", "user-agent", "accept-encoding", "connection", "host", "authorization"}
# what the suite's checks say about a response: "PUT /api/v2/... answered 200"
_ANSWERED = re.compile(r"\b(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS) (/\S*) answered (\d{3})\b")


def token_variable(principal: str) -> str:
    """``admin`` -> ``WEBCHAT_TOKEN_ADMIN``; ``only-read`` -> ``WEBCHAT_TOKEN_ONLY_READ``."""
    return TOKEN_VARIABLE.format(re.sub(r"[^A-Za-z0-9]", "_", principal).upper())


def cut(text: str | None, limit: int = BODY_LIMIT) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters in all)"


def exchange_data(
    *,
    method: str,
    url: str,
    principal: str | None,
    request_headers: Mapping[str, str],
    request_body: str | None,
    status: int | None,
    response_headers: Mapping[str, str],
    response_body: str | None,
    redact: Callable[[str], str],
) -> dict[str, Any]:
    """One exchange as plain data: bodies cut, then every text redacted; the curl command that repeats it."""
    authorized = any(name.lower() == "authorization" for name in request_headers)
    headers = {str(k): redact(str(v)) for k, v in request_headers.items()}
    data = {
        "method": method.upper(),
        "url": redact(url),
        "principal": principal,
        "request_headers": headers,
        "request_body": _redacted(cut(request_body), redact),
        "status": status,
        "response_headers": {str(k): redact(str(v)) for k, v in response_headers.items()},
        "response_body": _redacted(cut(response_body), redact),
    }
    data["curl"] = redact(curl_command(data, authorized=authorized, full_body=request_body))
    return data


def _redacted(text: str | None, redact: Callable[[str], str]) -> str | None:
    return redact(text) if text is not None else None


def curl_command(exchange: Mapping[str, Any], *, authorized: bool, full_body: str | None = None) -> str:
    """The command that sends the request again, the principal's token read from ``$WEBCHAT_TOKEN_<PRINCIPAL>``."""
    parts = ["curl", "-i", "-X", shlex.quote(exchange["method"]), shlex.quote(exchange["url"])]
    for name, value in exchange["request_headers"].items():
        if name.lower() not in CURL_SKIPPED_HEADERS:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if authorized:
        variable = token_variable(exchange.get("principal") or "principal")
        parts += ["-H", f'"Authorization: Bearer ${variable}"']
    body = full_body if full_body is not None and len(full_body) <= BODY_LIMIT else exchange.get("request_body")
    if body is not None:
        parts += ["--data-raw", shlex.quote(body)]
    return " ".join(parts)


def from_transcript(exchange: Any, redact: Callable[[str], str]) -> dict[str, Any]:
    """An exchange of the suite's client (``client.Exchange``; its Authorization is already blanked)."""
    return exchange_data(
        method=exchange.method,
        url=exchange.url,
        principal=exchange.principal,
        request_headers=exchange.request_headers,
        request_body=exchange.request_body,
        status=exchange.status,
        response_headers=exchange.response_headers,
        response_body=exchange.response_body,
        redact=redact,
    )


# --- which exchange failed ----------------------------------------------------------------------------------------


def path_of(url: str) -> str:
    return urlsplit(url).path


def operation_of_request(method: str, path: str) -> str:
    """The operationId a request is for ("" when none matches)."""
    for op in spec.operations():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path)) + "$"
        if op.method.upper() == method.upper() and re.match(pattern, path.rstrip("/") or "/"):
            return op.operation_id
    return ""


def operation_of_label(label: str | None) -> str:
    """A schemathesis operation label, ``PUT /api/v2/webchat/deployments/{deploymentId}`` -> its operationId."""
    method, _, path = (label or "").partition(" ")
    return next((op.operation_id for op in spec.operations() if op.method.upper() == method and op.path == path), "")


def answered_in(message: str) -> tuple[str, str, int] | None:
    """The response a check's message quotes (method, path, status), if it quotes one."""
    found = _ANSWERED.search(message)
    return (found[1], found[2].split("?")[0], int(found[3])) if found else None


def pick(candidates: Iterable[Any], message: str, operation_id: str = "") -> Any | None:
    """The exchange a failure is about: the last one the message quotes (method, path and status), else the last one
    of the failing operation, else None (a guess would point at the wrong request)."""
    found = list(candidates)
    quoted = answered_in(message)
    if quoted is not None:
        method, path, status = quoted
        for exchange in reversed(found):
            if exchange.method == method and path_of(exchange.url) == path and exchange.status == status:
                return exchange
    if operation_id:
        for exchange in reversed(found):
            if operation_of_request(exchange.method, path_of(exchange.url)) == operation_id:
                return exchange
    return None
