"""Small, composable checks of one response against CONTRACT.md. Each collects every violation it sees in the
response, each on the requirement it breaks, and raises them together (``ContractViolation``)."""

from __future__ import annotations

from typing import Any

import requests

from . import spec
from .operations import CREATE, GET
from .spec import Operation
from .violations import (
    CONTENT_TYPE,
    ERROR_BODY,
    NO_5XX,
    SUCCESS,
    Violation,
    describe,
    fail,
    raise_if_any,
    violation,
)

JSON_MEDIA_TYPE = "application/json"
_NOT_JSON = object()

__all__ = ["describe", "json_body", "check_success", "check_created", "check_error_body", "check_deployment_identity"]


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


def json_body(response: requests.Response, requirement: str = SUCCESS) -> Any:
    """The JSON body, or a violation of ``requirement`` saying it is not JSON."""
    body = _json(response)
    if body is _NOT_JSON:
        fail(requirement, "body is not JSON", response)
    return body


def _is_json_media_type(response: requests.Response) -> bool:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower() == JSON_MEDIA_TYPE


def _wrong_status(
    response: requests.Response, expected: tuple[int, ...], requirement: str, refused: str | None = None
) -> Violation | None:
    """A status other than ``expected``: a 5xx breaks WC-RESP-NO-5XX, another success the documented success,
    a 401/403 ``refused`` (if given), anything else ``requirement`` (what the test is about: a 404, a 400, ...)."""
    status = response.status_code
    if status in expected:
        return None
    message = f"expected {' or '.join(map(str, expected))}"
    if status >= 500:
        return violation(NO_5XX, message, response)
    if 200 <= status < 300 and all(200 <= e < 300 for e in expected):
        return violation(SUCCESS, message, response)
    if refused is not None and status in (401, 403):
        return violation(refused, message, response)
    return violation(requirement, message, response)


def success_violations(
    response: requests.Response, operation: Operation, requirement: str = SUCCESS, refused: str | None = None
) -> tuple[list[Violation], Any]:
    """The documented success: status, then JSON of the documented model or no body. Returns what is wrong and
    the body (None when there is none to use)."""
    found = []
    wrong = _wrong_status(response, (operation.success_status,), requirement, refused)
    if wrong is not None:
        found.append(wrong)
        if not 200 <= response.status_code < 300:
            return found, None
    if operation.response_model is None:
        if response.content:
            found.append(violation(SUCCESS, "expected no body", response))
        return found, None
    if not _is_json_media_type(response):
        found.append(violation(CONTENT_TYPE, f"Content-Type is {response.headers.get('Content-Type')!r}", response))
    body = _json(response)
    if body is _NOT_JSON:
        found.append(violation(SUCCESS, "body is not JSON", response))
        return found, None
    errors = spec.validation_errors(operation.response_model, body)
    if errors:
        found.append(violation(SUCCESS, f"body does not fit {operation.response_model}: {'; '.join(errors)}", response))
    return found, body


def check_success(
    response: requests.Response,
    operation: Operation,
    requirement: str = SUCCESS,
    refused: str | None = None,
    own: bool = False,
) -> Any:
    """The documented success, or every violation of it; returns the body. ``requirement`` is what a 4xx where
    success is due breaks (``refused`` for a 401/403, when given). ``own``: the request names a deployment the run
    created, so a 404 means the POST did not store it."""
    if own and response.status_code == 404:
        requirement = "WC-DEP-CREATE"
    found, body = success_violations(response, operation, requirement, refused)
    raise_if_any(found)
    return body


def check_created(response: requests.Response) -> str:
    """What a test needs from a POST: an answer carrying a usable id. Any 2xx will do here (the tests of creation
    report a 201); a success without a usable id breaks WC-DEP-CREATE."""
    body = _json(response) if 200 <= response.status_code < 300 else None
    deployment_id = body.get("id") if isinstance(body, dict) else None
    if isinstance(deployment_id, str) and deployment_id:
        return deployment_id
    found, _ = success_violations(response, CREATE)
    if isinstance(body, dict):  # a deployment, but no usable id in it
        found = [violation("WC-DEP-CREATE", f"POST answered no usable id ({deployment_id!r})", response)]
    raise_if_any(found or [violation(SUCCESS, "POST answered no deployment", response)])
    return ""  # unreachable


def check_no_body(response: requests.Response) -> None:
    if response.content:
        fail(SUCCESS, "expected no body", response)


def error_body_violations(response: requests.Response, status: int | tuple[int, ...], requirement: str) -> list:
    """An ErrorBody with Content-Type JSON whose ``status``, where present, equals the HTTP status. The ErrorBody
    ``code`` is not checked: CONTRACT.md only lists the codes seen."""
    expected = status if isinstance(status, tuple) else (status,)
    wrong = _wrong_status(response, expected, requirement)
    if wrong is not None:
        return [wrong]
    found = []
    if not _is_json_media_type(response):
        found.append(violation(CONTENT_TYPE, f"Content-Type is {response.headers.get('Content-Type')!r}", response))
    body = _json(response)
    if not isinstance(body, dict):
        found.append(violation(ERROR_BODY, "ErrorBody is not a JSON object", response))
        return found
    errors = spec.validation_errors("ErrorBody", body)
    if errors:
        found.append(violation(ERROR_BODY, f"body does not fit ErrorBody: {'; '.join(errors)}", response))
    if "status" in body and body["status"] != response.status_code:
        found.append(
            violation(ERROR_BODY, f"ErrorBody status {body['status']!r} differs from the HTTP status", response)
        )
    return found


def check_error_body(response: requests.Response, status: int | tuple[int, ...], requirement: str) -> None:
    """``status`` with an ErrorBody; a different status breaks ``requirement``."""
    raise_if_any(error_body_violations(response, status, requirement))


def check_deployment_identity(
    body: Any,
    response: requests.Response,
    expected_id: str | None = None,
    requirement: str = "WC-DEP-CREATE",
) -> str:
    """A non-empty ``id`` (``expected_id`` if given, else ``requirement``) and ``selfUri`` = the deployment's path
    (absolute allowed: then it ends with it)."""
    body = body if isinstance(body, dict) else {}
    deployment_id = body.get("id")
    if not (isinstance(deployment_id, str) and deployment_id):
        fail(requirement if expected_id else "WC-DEP-CREATE", f"deployment has no usable id ({deployment_id!r})",
             response)  # fmt: skip
    found = []
    if expected_id is not None and deployment_id != expected_id:
        found.append(violation(requirement, f"id {deployment_id!r} is not {expected_id!r}", response))
    self_uri = body.get("selfUri")
    if not (isinstance(self_uri, str) and self_uri.endswith(GET.url_path(deployment_id))):
        found.append(violation("WC-DEP-CREATE", f"selfUri {self_uri!r} does not end with the deployment's path",
                               response))  # fmt: skip
    raise_if_any(found)
    return deployment_id


def field_violations(sent: dict, answered: Any, response: requests.Response, requirement: str, where: str = ""):
    """Every writable field sent comes back equal: strings exactly, arrays in order, objects field by field."""
    if not isinstance(answered, dict):
        return [violation(requirement, f"answered {type(answered).__name__}, not an object", response)]
    found = []
    for name, value in sent.items():
        path = f"{where}{name}"
        if name not in answered:
            found.append(violation(requirement, f"field {path} was sent but not answered", response))
        elif isinstance(value, dict) and isinstance(answered[name], dict):
            found += field_violations(value, answered[name], response, requirement, where=f"{path}.")
        elif not (answered[name] == value and type(answered[name]) is type(value)):
            found.append(
                violation(
                    requirement, f"field {path} sent {_short(value)} but answered {_short(answered[name])}", response
                )  # fmt: skip
            )
    return found


def check_fields_equal(sent: dict, answered: Any, response: requests.Response, requirement: str) -> None:
    raise_if_any(field_violations(sent, answered, response, requirement))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + f"... ({len(text)} characters)"
