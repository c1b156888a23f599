"""Small, composable checks of one response against CONTRACT.md. Each raises AssertionError saying what broke."""

from __future__ import annotations

from typing import Any

import requests

from . import spec
from .operations import GET
from .spec import Operation

JSON_MEDIA_TYPE = "application/json"


def describe(response: requests.Response) -> str:
    text = response.text
    excerpt = text if len(text) <= 300 else text[:300] + "..."
    return f"{response.request.method} {response.request.path_url} answered {response.status_code}: {excerpt!r}"


def json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise AssertionError(f"body is not JSON; {describe(response)}") from None


def check_status(response: requests.Response, expected: int | tuple[int, ...]) -> None:
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in allowed, f"expected {' or '.join(map(str, allowed))}; {describe(response)}"


def check_json_content_type(response: requests.Response) -> None:
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    assert media_type == JSON_MEDIA_TYPE, (
        f"Content-Type is {response.headers.get('Content-Type')!r}, not {JSON_MEDIA_TYPE}; {describe(response)}"
    )


def check_model(model: str, body: Any, response: requests.Response) -> None:
    errors = spec.validation_errors(model, body)
    assert not errors, f"body does not fit {model}: {'; '.join(errors)}; {describe(response)}"


def check_no_body(response: requests.Response) -> None:
    assert not response.content, f"expected no body; {describe(response)}"


def check_success(response: requests.Response, operation: Operation) -> Any:
    """The documented success: status, then JSON of the documented model or no body. Returns the body."""
    check_status(response, operation.success_status)
    if operation.response_model is None:
        check_no_body(response)
        return None
    check_json_content_type(response)
    body = json_body(response)
    check_model(operation.response_model, body, response)
    return body


def check_error_body(response: requests.Response, status: int, codes: tuple[str, ...] | None = None) -> dict:
    """An ErrorBody with Content-Type JSON whose ``status``, where present, equals the HTTP status."""
    check_status(response, status)
    check_json_content_type(response)
    body = json_body(response)
    assert isinstance(body, dict), f"ErrorBody is not a JSON object; {describe(response)}"
    check_model("ErrorBody", body, response)
    if "status" in body:
        assert body["status"] == response.status_code, (
            f"ErrorBody status {body['status']} differs from the HTTP status; {describe(response)}"
        )
    if codes is not None:
        assert body.get("code") in codes, (
            f"ErrorBody code {body.get('code')!r} is none of {', '.join(codes)}; {describe(response)}"
        )
    return body


def check_deployment_identity(body: dict, response: requests.Response, expected_id: str | None = None) -> str:
    """A non-empty ``id`` and ``selfUri`` = the deployment's path (absolute allowed: then it ends with it)."""
    deployment_id = body.get("id")
    assert isinstance(deployment_id, str) and deployment_id, f"deployment has no id; {describe(response)}"
    if expected_id is not None:
        assert deployment_id == expected_id, f"id {deployment_id!r} is not {expected_id!r}; {describe(response)}"
    self_uri = body.get("selfUri")
    assert isinstance(self_uri, str) and self_uri.endswith(GET.url_path(deployment_id)), (
        f"selfUri {self_uri!r} does not end with {GET.url_path(deployment_id)}; {describe(response)}"
    )
    return deployment_id


def check_fields_equal(sent: dict, answered: dict, response: requests.Response, where: str = "") -> None:
    """Every writable field sent comes back equal: strings exactly, arrays in order, objects field by field."""
    for name, value in sent.items():
        path = f"{where}{name}"
        assert name in answered, f"field {path} was sent but not answered; {describe(response)}"
        if isinstance(value, dict) and isinstance(answered[name], dict):
            check_fields_equal(value, answered[name], response, where=f"{path}.")
        else:
            assert answered[name] == value and type(answered[name]) is type(value), (
                f"field {path} sent {value!r} but answered {answered[name]!r}; {describe(response)}"
            )
