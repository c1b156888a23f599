"""Bearer tokens for principals: static tokens, or the OAuth 2 client-credentials grant of the platform."""

from __future__ import annotations

import threading
import time
from collections import deque

import requests

from .config import Principal
from .transport import BoundedSession, TargetError, json_or_none

# refresh a little before the target would call the token expired
EXPIRY_MARGIN_SECONDS = 30
# tokens a source remembers having handed out, so a request still carrying a replaced one is known as its principal's
MAX_ISSUED = 16
# what a token endpoint's error says is quoted up to this length (it may echo what it was sent: redacted anyway)
REASON_CHARS = 200


class AuthError(Exception):
    """A principal's credential could not be turned into a token; the message is one line, free of secrets."""


class TokenSource:
    """The bearer token of one principal: fetched once, reused, refreshed when it expires."""

    def __init__(
        self, principal: Principal, token_url: str, timeout: float, verify_tls: bool, max_bytes: int | None = None
    ):
        self.principal = principal
        self.token_url = token_url
        self.timeout = timeout
        self.verify_tls = verify_tls
        self._token: str | None = principal.token
        self._issued: deque[str] = deque([principal.token] if principal.token else [], maxlen=MAX_ISSUED)
        self._expires_at = float("inf")
        self._lock = threading.Lock()
        bounds = {"max_bytes": max_bytes} if max_bytes else {}
        self._session = BoundedSession(timeout, verify=verify_tls, **bounds)

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._token, lifetime = self._fetch()
                self._issued.append(self._token)
                self._expires_at = time.monotonic() + max(lifetime - EXPIRY_MARGIN_SECONDS, lifetime / 2)
            return self._token

    @property
    def name(self) -> str:
        return self.principal.name

    def issued(self, token: str) -> bool:
        """Whether ``token`` is one this source handed out (the current one or one it replaced)."""
        return token in self._issued

    def is_current(self, token: str) -> bool:
        return token == self._token

    def invalidate(self) -> bool:
        """Forget a fetched token (the target said it expired). False for a static token: nothing to refresh."""
        if not self.principal.uses_client_credentials:
            return False
        with self._lock:
            self._token = None
        return True

    def _fetch(self) -> tuple[str, float]:
        name = self.principal.name
        try:
            response = self._session.post(
                self.token_url,
                auth=(self.principal.client_id, self.principal.client_secret),
                data={"grant_type": "client_credentials"},
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                verify=self.verify_tls,
            )
        except (requests.RequestException, TargetError) as error:
            raise AuthError(
                f"principal {name!r}: token endpoint {self.token_url} unreachable ({type(error).__name__})"
            ) from None
        body = json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            reason = ""
            if isinstance(body, dict):
                reason = str(body.get("error_description") or body.get("description") or body.get("error") or "")
                reason = reason if len(reason) <= REASON_CHARS else reason[:REASON_CHARS] + "..."
            raise AuthError(
                f"principal {name!r}: token endpoint {self.token_url} answered {response.status_code}"
                + (f": {reason}" if reason else "")
            )
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        return body["access_token"], lifetime
