"""ErrorBody answers: every error of the reference target is one of these."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse


class AsciiJSONResponse(JSONResponse):
    """JSON with non-ASCII characters escaped, so a string holding a lone surrogate still round-trips exactly."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


class ApiError(Exception):
    """An error answer: raised anywhere while handling a request, turned into an ErrorBody by the app."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Sequence[Mapping[str, str]] = (),
        limit: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.limit = limit
        self.headers = dict(headers or {})

    def response(self, body_status: int | None = None) -> JSONResponse:
        """The ErrorBody answer; ``body_status`` (only ever given by a fault) overrides the status in the body."""
        return error_response(
            self.status,
            self.code,
            self.message,
            details=self.details,
            limit=self.limit,
            headers=self.headers,
            body_status=body_status,
        )


class Forbidden(ApiError):
    """The principal is known but lacks the operation's permission."""

    def __init__(self, permission: str) -> None:
        super().__init__(
            403,
            "missing.any.permissions",
            f"You are missing the following permission(s): [{permission}]",
        )


def internal_error() -> ApiError:
    """500: the target failed (an unexpected exception, or a fault or misbehaviour acting as one)."""
    return ApiError(500, "internal.server.error", "The server encountered an unexpected condition.")


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: Sequence[Mapping[str, str]] = (),
    limit: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    body_status: int | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "message": message,
        "code": code,
        "status": status if body_status is None else body_status,
        "contextId": str(uuid.uuid4()),
        "details": list(details),
        "errors": [],
    }
    if limit is not None:
        body["limit"] = dict(limit)
    return AsciiJSONResponse(body, status_code=status, headers=dict(headers or {}))


def oauth_error_response(
    status: int, error: str, description: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The token endpoint's error shape (PLATFORM.md): ``{error, description, error_description}``."""
    body = {"error": error, "description": description, "error_description": description}
    return AsciiJSONResponse(body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})
