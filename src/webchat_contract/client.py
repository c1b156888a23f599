"""The HTTP client the suites use: one per principal, recording every exchange (redacted) for the report."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import requests

from . import request_shape
from .request_shape import Shape
from .transcript import Exchange, Transcript
from .transport import TargetError, TargetSession, retry_after_seconds

if TYPE_CHECKING:
    from .auth import TokenSource

# what is imported from here with the client (by the suite and its tests)
__all__ = ["ApiClient", "Exchange", "TargetError", "Transcript"]
_UNSET: Any = object()


class ApiClient:
    """Requests to the target as one principal (or none), in the SDKs' shape; what cannot be had from the target
    (unreachable, throttled past the budget) becomes a ``TargetError``. The session limits, records and refreshes."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        verify_tls: bool,
        transcript: Transcript,
        tokens: TokenSource | None = None,
        session: TargetSession | None = None,
        shape: Shape = request_shape.DEFAULT,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.verify_tls = verify_tls
        self.transcript = transcript
        self.tokens = tokens
        self.session = session or TargetSession(
            timeout, verify=verify_tls, transcript=transcript, tokens=[tokens] if tokens else []
        )
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
        if authorization is _UNSET and self.tokens is not None:
            headers["Authorization"] = f"Bearer {self.tokens.token()}"
        elif authorization is not _UNSET and authorization is not None:
            headers["Authorization"] = authorization
        url = self.base_url + path
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
        if response.status_code == 429:  # the session waited out what it could
            raise TargetError(
                f"{method} {path}: target answered 429 and asked to wait {retry_after_seconds(response)} s"
                f" past the retry budget of {self.session.retry_budget:.0f} s"
            )
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
