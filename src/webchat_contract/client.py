"""The HTTP client the suites use: one per principal, recording every exchange (redacted) for the report."""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from . import request_shape
from .reporting.redact import REDACTED, SECRET_HEADERS, Redactor
from .request_shape import Shape
from .transport import BoundedSession, TargetError, retry_after_seconds

if TYPE_CHECKING:
    from .auth import TokenSource

BODY_EXCERPT = 4000
MAX_EXCHANGES = 50
_UNSET: Any = object()


class RateLimiter:
    """At most ``per_second`` requests a second across every client and thread of this process (None: no bound)."""

    def __init__(self, per_second: float | None):
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


@dataclass
class Exchange:
    """One request and its response, with credentials removed."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    principal: str | None = None
    # the URL that answered, when a redirect led elsewhere, and the hops on the way
    answered_by: str | None = None
    redirects: list[str] = field(default_factory=list)

    def curl(self) -> str:
        parts = ["curl", "-i", "-X", self.method, self.url]
        for name, value in self.request_headers.items():
            if name.lower() in ("content-length", "user-agent", "accept-encoding", "connection"):
                continue
            parts += ["-H", f"{name}: {value}"]
        if self.request_body is not None:
            parts += ["--data-raw", self.request_body]
        return " ".join(shlex.quote(p) for p in parts)

    def summary(self) -> str:
        who = f" as {self.principal}" if self.principal else ""
        status = self.status if self.status is not None else "no response"
        via = ""
        if self.answered_by:
            via = f" (redirected: {' -> '.join(self.redirects)}; answered by {self.answered_by})"
        return f"{self.method} {self.url}{who} -> {status}{via}"


class Transcript:
    """The last exchanges of the test that is running (a test drawing hundreds of examples keeps only the last
    MAX_EXCHANGES, each a summary with body excerpts); the plugin clears it before each test."""

    def __init__(self, secrets: list[str] | None = None, redactor: Redactor | None = None):
        self.exchanges: deque[Exchange] = deque(maxlen=MAX_EXCHANGES)
        self.redactor = redactor if redactor is not None else Redactor()
        self.redactor.add(secrets or [])
        self._lock = threading.Lock()

    def add_secrets(self, secrets: list[str]) -> None:
        self.redactor.add(secrets)

    def secrets(self) -> list[str]:
        return self.redactor.secrets

    def redact(self, text: str) -> str:
        return self.redactor(text)

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def clear(self) -> None:
        with self._lock:
            self.exchanges.clear()


def _headers_for_record(headers: Any, transcript: Transcript) -> dict[str, str]:
    return {
        name: REDACTED if name.lower() in SECRET_HEADERS else transcript.redact(str(value))
        for name, value in headers.items()
    }


def _text_for_record(body: bytes | str | None, transcript: Transcript) -> str | None:
    if body is None:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if len(text) > BODY_EXCERPT:
        text = text[:BODY_EXCERPT] + f"... ({len(text)} characters)"
    return transcript.redact(text)


class ApiClient:
    """Requests to the target as one principal (or none), with 429 retries and token refresh."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        verify_tls: bool,
        transcript: Transcript,
        tokens: TokenSource | None = None,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        shape: Shape = request_shape.DEFAULT,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.verify_tls = verify_tls
        self.transcript = transcript
        self.tokens = tokens
        self.session = session or BoundedSession(timeout, verify=verify_tls)
        self.limiter = limiter or RateLimiter(None)
        self.shape = shape

    @property
    def principal(self) -> str | None:
        return self.tokens.principal.name if self.tokens else None

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _UNSET,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        authorization: str | None = _UNSET,
        shape: Shape | None = None,
    ) -> requests.Response:
        """Send one request. ``authorization`` overrides the principal's header (``None`` sends none). The headers
        are those of ``shape`` (default: the client's, the SDKs' shape), then ``headers``. Without an explicit
        ``shape``, a bodiless request refused as if for its SDK headers is sent once more in the minimal shape."""
        if json_body is not _UNSET:
            data = json.dumps(json_body)
        has_body = data is not None
        chosen = shape or self.shape
        response = self._request(method, path, data, {**chosen.headers_for(has_body), **(headers or {})}, authorization)
        if shape is None and request_shape.refused_for_its_shape(chosen, has_body, response.status_code):
            minimal = request_shape.MINIMAL.headers_for(has_body)
            response = self._request(method, path, data, {**minimal, **(headers or {})}, authorization)
        return response

    def _request(
        self, method: str, path: str, data: bytes | str | None, headers: dict[str, str], authorization: Any
    ) -> requests.Response:
        refreshed = False
        while True:
            if authorization is _UNSET and self.tokens is not None:
                token = self.tokens.token()
                self.transcript.add_secrets([token])  # fetched tokens are secrets too, not only configured ones
                headers["Authorization"] = f"Bearer {token}"
            elif authorization is not _UNSET and authorization is not None:
                headers["Authorization"] = authorization
            response = self._send(method, path, data, headers)
            if response.status_code == 401 and not refreshed and authorization is _UNSET and self._token_expired():
                refreshed = True
                continue
            if response.status_code == 429:  # the session waited out what it could
                raise TargetError(
                    f"{method} {path}: target answered 429 and asked to wait {retry_after_seconds(response)} s"
                    f" past the retry budget of {self.session.retry_budget:.0f} s"
                    if isinstance(self.session, BoundedSession)
                    else f"{method} {path}: target answered 429"
                )
            return response

    def _token_expired(self) -> bool:
        return self.tokens is not None and self.tokens.invalidate()

    def _send(self, method: str, path: str, data: bytes | str | None, headers: dict[str, str]) -> requests.Response:
        url = self.base_url + path
        exchange = Exchange(
            method=method,
            url=url,
            request_headers=_headers_for_record(headers, self.transcript),
            request_body=_text_for_record(data, self.transcript),
            principal=self.principal,
        )
        self.transcript.record(exchange)
        self.limiter.wait()
        try:
            response = self.session.request(
                method, url, data=data, headers=headers, timeout=self.timeout, verify=self.verify_tls
            )
        except requests.Timeout:
            raise TargetError(f"{method} {url}: no answer within {self.timeout:g} s") from None
        except requests.ConnectionError as error:
            raise TargetError(f"{method} {url}: cannot connect ({_root_cause(error)})") from None
        except requests.RequestException as error:
            raise TargetError(f"{method} {url}: {_root_cause(error)}") from None
        exchange.status = response.status_code
        exchange.response_headers = _headers_for_record(response.headers, self.transcript)
        exchange.response_body = _text_for_record(response.content, self.transcript)
        if response.history:
            exchange.redirects = [f"{hop.status_code} {hop.url}" for hop in response.history]
            exchange.answered_by = response.url
        return response

    # shorthands
    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = _UNSET, **kwargs) -> requests.Response:
        return self.request("POST", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any = _UNSET, **kwargs) -> requests.Response:
        return self.request("PUT", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def _root_cause(error: BaseException) -> str:
    while error.__context__ is not None and error.__context__ is not error:
        error = error.__context__
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__
