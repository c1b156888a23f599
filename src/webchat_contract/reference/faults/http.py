"""Faults of the HTTP answer: success statuses and bodies, media types and encodings, error bodies, and the headers
of requests as the platform's clients send them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import PlainTextResponse, Response

from webchat_contract import spec
from webchat_contract.reference.call import Call
from webchat_contract.reference.errors import ApiError, AsciiJSONResponse
from webchat_contract.reference.faults.fault import Fault, registering

FAULTS: list[Fault] = []
fault = registering(FAULTS)

MISMATCHED_ERROR_STATUS = 400  # the ErrorBody status error-status-mismatch always reports


# --- success answers ----------------------------------------------------------------------------------------------


@fault(
    "non-json-success",
    "WC-RESP-SUCCESS",
    hook="render_success",
    description="success bodies are the text OK (Content-Type application/json), not JSON",
)
def _non_json_success(target: Any, strict: Callable, op: spec.Operation, result: Any) -> Response:
    answer = strict(op, result)
    if op.response_model is None:
        return answer
    return Response("OK", status_code=answer.status_code, media_type="application/json")


@fault(
    "boolean-as-string",
    "WC-RESP-SUCCESS",
    hook="render_success",
    description='booleans in success bodies are answered as strings ("true", "false")',
)
def _boolean_as_string(target: Any, strict: Callable, op: spec.Operation, result: Any) -> Response:
    return strict(op, _booleans_as_strings(result))


def _booleans_as_strings(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {name: _booleans_as_strings(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_booleans_as_strings(item) for item in value]
    return value


@fault(
    "text-content-type",
    "WC-RESP-CONTENT-TYPE",
    hook="render_success",
    description="success bodies (JSON) are sent with Content-Type text/plain",
)
def _text_content_type(target: Any, strict: Callable, op: spec.Operation, result: Any) -> Response:
    answer = strict(op, result)
    if op.response_model is None:
        return answer
    return AsciiJSONResponse(result, status_code=answer.status_code, media_type="text/plain")


@fault(
    "json-in-utf-16",
    "WC-SDK-COMPAT",
    hook="render_success",
    description="success bodies are JSON encoded in UTF-16 (Content-Type: application/json; charset=utf-16), which "
    "CONTRACT.md does not pin down but the official SDK decodes as UTF-8 only",
)
def _json_in_utf16(target: Any, strict: Callable, op: spec.Operation, result: Any) -> Response:
    answer = strict(op, result)
    if op.response_model is None:
        return answer
    utf16 = bytes(answer.body).decode("ascii").encode("utf-16")
    return Response(utf16, status_code=answer.status_code, media_type="application/json; charset=utf-16")


@fault("post-answers-201", "WC-RESP-SUCCESS", hook="render_success", description="POST answers 201 instead of 200")
def _post_answers_201(target: Any, strict: Callable, op: spec.Operation, result: Any) -> Response:
    answer = strict(op, result)
    if op.method == "POST":
        answer.status_code = 201
    return answer


@fault(
    "delete-answers-200-with-body",
    "WC-RESP-SUCCESS",
    hook="render_success",
    description="the DELETEs answer 200 with what they deleted instead of 204",
)
def _delete_answers_200_with_body(target: Any, strict: Callable, op: spec.Operation, result: Any) -> Response:
    if op.response_model is None:
        return AsciiJSONResponse(result, status_code=200)
    return strict(op, result)


# --- error answers ------------------------------------------------------------------------------------------------


@fault(
    "error-status-mismatch",
    "WC-RESP-ERROR-BODY",
    hook="render_error",
    description=f"an API ErrorBody's status is always {MISMATCHED_ERROR_STATUS}, whatever the HTTP status",
)
def _error_status_mismatch(target: Any, strict: Callable, error: ApiError) -> Response:
    return error.response(body_status=MISMATCHED_ERROR_STATUS)


@fault(
    "error-not-json",
    "WC-RESP-ERROR-BODY",
    hook="render_error",
    description="API errors are answered as plain text, not as an ErrorBody",
    also_fails={"WC-RESP-CONTENT-TYPE": "the errors' Content-Type is text/plain"},
)
def _error_not_json(target: Any, strict: Callable, error: ApiError) -> Response:
    return PlainTextResponse(f"{error.status} {error.message}", status_code=error.status, headers=error.headers)


@fault(
    "not-found-as-400",
    "WC-DEP-NOT-FOUND",
    hook="look_up",
    description="an unknown deployment id gets 400 instead of 404",
    also_fails={"WC-RESP-SUCCESS": "a generated GET of an id nobody created (schema-valid) is rejected with 400"},
)
def _not_found_as_400(target: Any, strict: Callable, call: Call) -> None:
    try:
        strict(call)
    except ApiError as error:
        if error.status != 404:
            raise
        raise ApiError(400, "bad.request", "The deployment id is not valid.") from None


# --- requests as the platform's clients send them -----------------------------------------------------------------


def _without_body(call: Call) -> bool:
    return call.op.request_model is None and call.raw_body == b""


@fault(
    "content-type-without-body-refused",
    "WC-REQ-CLIENT-HEADERS",
    hook="check_headers",
    description="a GET or DELETE that carries a Content-Type (as every SDK request does) gets 415",
)
def _content_type_without_body_refused(target: Any, strict: Callable, call: Call) -> None:
    if _without_body(call) and "content-type" in call.headers:
        raise ApiError(415, "unsupported.media.type", "A request without a body must not carry a Content-Type.")
    strict(call)


@fault(
    "content-type-required",
    "WC-REQ-CLIENT-HEADERS",
    hook="check_headers",
    description="a GET or DELETE without a Content-Type gets 415 (only requests shaped like the SDKs' are served)",
)
def _content_type_required(target: Any, strict: Callable, call: Call) -> None:
    if _without_body(call) and "content-type" not in call.headers:
        raise ApiError(415, "unsupported.media.type", "Every request must carry Content-Type: application/json.")
    strict(call)
