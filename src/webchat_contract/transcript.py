"""What the suite sent to the target and what came back, redacted as it is recorded, for the report."""

from __future__ import annotations

import shlex
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .reporting.redact import REDACTED, SECRET_HEADERS, Redactor

BODY_EXCERPT = 4000
MAX_EXCHANGES = 50


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
    MAX_EXCHANGES, each a summary with body excerpts) and how many it sent; the plugin clears it before each test."""

    def __init__(self, secrets: list[str] | None = None, redactor: Redactor | None = None):
        self.exchanges: deque[Exchange] = deque(maxlen=MAX_EXCHANGES)
        self.sent = 0  # exchanges recorded since the last clear, those no longer kept included
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
            self.sent += 1

    def clear(self) -> None:
        with self._lock:
            self.exchanges.clear()
            self.sent = 0

    def request(self, method: str, url: str, headers: Any, body: bytes | str | None, principal: str | None) -> Exchange:
        """Record a request about to be sent; its answer is filled in by ``answered``."""
        exchange = Exchange(
            method=method.upper(),
            url=self.redact(url),
            request_headers=self._headers(headers),
            request_body=self._text(body),
            principal=principal,
        )
        self.record(exchange)
        return exchange

    def answered(self, exchange: Exchange, response: Any) -> None:
        exchange.status = response.status_code
        exchange.response_headers = self._headers(response.headers)
        exchange.response_body = self._text(response.content)
        if response.history:
            exchange.redirects = [f"{hop.status_code} {hop.url}" for hop in response.history]
            exchange.answered_by = response.url

    def _headers(self, headers: Any) -> dict[str, str]:
        return {
            str(name): REDACTED if str(name).lower() in SECRET_HEADERS else self.redact(str(value))
            for name, value in (headers or {}).items()
        }

    def _text(self, body: bytes | str | None) -> str | None:
        if body is None:
            return None
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if len(text) > BODY_EXCERPT:
            text = text[:BODY_EXCERPT] + f"... ({len(text)} characters)"
        return self.redact(text)
