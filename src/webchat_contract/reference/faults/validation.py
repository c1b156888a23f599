"""Faults of request validation: invalid bodies taken, valid ones refused, and valid but unusual input that makes
the target fail with 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import ValidationError
from starlette.responses import Response

from webchat_contract.reference.bodies import unknown_fields
from webchat_contract.reference.call import Call
from webchat_contract.reference.errors import ApiError, internal_error
from webchat_contract.reference.faults.fault import Fault, registering

FAULTS: list[Fault] = []
fault = registering(FAULTS)

LONG_STRING = 1000  # 500-on-long-string fails on a string longer than this
LONG_NAME = 255  # 500-on-long-name fails on a name longer than this
INVALID_VALUE_ANSWERED = {"WC-RESP-SUCCESS": "the invalid value is stored and answered back, breaking the model"}

# --- invalid bodies taken -----------------------------------------------------------------------------------------


@fault(
    "string-types-unchecked",
    "WC-VAL-BODY",
    hook="schema_errors",
    description="a string field accepts any JSON type (a number as name is stored)",
    also_fails=INVALID_VALUE_ANSWERED,
)
def _string_types_unchecked(target: Any, strict: Callable, model: str, body: Any) -> list[ValidationError]:
    return [e for e in strict(model, body) if not (e.validator == "type" and e.validator_value == "string")]


@fault(
    "null-accepted",
    "WC-VAL-BODY",
    hook="schema_errors",
    description="null is accepted (and stored) for any field",
    also_fails=INVALID_VALUE_ANSWERED,
)
def _null_accepted(target: Any, strict: Callable, model: str, body: Any) -> list[ValidationError]:
    return [error for error in strict(model, body) if error.instance is not None]


@fault(
    "no-enum-check",
    "WC-VAL-BODY",
    hook="schema_errors",
    description="any webChatSkin is accepted and stored",
    also_fails=INVALID_VALUE_ANSWERED,
)
def _no_enum_check(target: Any, strict: Callable, model: str, body: Any) -> list[ValidationError]:
    return [error for error in strict(model, body) if error.validator != "enum"]


@fault(
    "allowed-domains-unchecked",
    "WC-VAL-BODY",
    hook="schema_errors",
    description="the items of allowedDomains are not checked (a number is stored)",
    also_fails=INVALID_VALUE_ANSWERED,
)
def _allowed_domains_unchecked(target: Any, strict: Callable, model: str, body: Any) -> list[ValidationError]:
    # an integer in the path is an index: the error is about an item of an array
    return [e for e in strict(model, body) if not any(isinstance(part, int) for part in e.absolute_path)]


@fault(
    "non-object-body-accepted",
    "WC-VAL-BODY",
    hook="json_object",
    description="a JSON body that is no object (array, number, ...) is taken as {}",
)
def _non_object_body_accepted(target: Any, strict: Callable, model: str, value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@fault(
    "missing-body-accepted",
    "WC-VAL-MISSING-BODY",
    hook="parse_body",
    description="an empty body on POST or PUT is taken as {}",
)
def _missing_body_accepted(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return {} if call.raw_body == b"" else strict(call)


# --- valid bodies refused -----------------------------------------------------------------------------------------


@fault(
    "unknown-fields-rejected",
    "WC-VAL-UNKNOWN-FIELDS",
    hook="parse_body",
    description="a body with an unknown top-level field gets 400",
)
def _unknown_fields_rejected(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    body = strict(call)
    unknown = unknown_fields(call.op.request_model, body)
    if unknown:
        details = [{"errorCode": "unknown.field", "fieldName": name} for name in unknown]
        raise ApiError(400, "invalid.value", f"Unknown field {unknown[0]}.", details=details)
    return body


# --- 5xx on unusual but valid input -------------------------------------------------------------------------------


def _json_values(value: Any) -> Iterator[Any]:
    """``value`` and everything nested in it."""
    yield value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for child in value:
            yield from _json_values(child)


def _strings(fields: dict[str, Any]) -> list[str]:
    return [value for value in _json_values(fields) if isinstance(value, str)]


@fault(
    "500-on-non-ascii",
    "WC-RESP-NO-5XX",
    hook="perform",
    description="500 when a string in the body holds a non-ASCII character",
)
def _fail_on_non_ascii(target: Any, strict: Callable, call: Call) -> Response:
    if not all(string.isascii() for string in _strings(call.fields)):
        raise internal_error()
    return strict(call)


@fault(
    "500-on-empty-array",
    "WC-RESP-NO-5XX",
    hook="perform",
    description="500 when the body holds an empty array (allowedDomains: [])",
)
def _fail_on_empty_array(target: Any, strict: Callable, call: Call) -> Response:
    if any(value == [] for value in _json_values(call.fields)):
        raise internal_error()
    return strict(call)


@fault(
    "500-on-long-string",
    "WC-RESP-NO-5XX",
    hook="perform",
    description=f"500 when a string in the body is over {LONG_STRING} characters",
)
def _fail_on_long_string(target: Any, strict: Callable, call: Call) -> Response:
    if any(len(string) > LONG_STRING for string in _strings(call.fields)):
        raise internal_error()
    return strict(call)


@fault(
    "500-on-long-name",
    "WC-RESP-NO-5XX",
    hook="perform",
    description=f"500 when the name is over {LONG_NAME} characters",
)
def _fail_on_long_name(target: Any, strict: Callable, call: Call) -> Response:
    name = call.fields.get("name")
    if isinstance(name, str) and len(name) > LONG_NAME:
        raise internal_error()
    return strict(call)
