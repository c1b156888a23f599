"""Request bodies: reading them within a size bound, checking them against the model, keeping what may be stored."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from starlette.requests import ClientDisconnect, Request

from webchat_contract import spec
from webchat_contract.reference.errors import ApiError

MAX_BODY_BYTES = 1024 * 1024
# A larger body is still read (and dropped) up to this size, so the client gets to read the 413 answer
# instead of a connection reset; beyond it the target stops reading.
_DRAIN_LIMIT = 64 * MAX_BODY_BYTES


# a body must arrive in full within this many seconds (one dripped a byte at a time would hold a connection forever)
BODY_READ_TIMEOUT = 10.0


async def read_body(request: Request, limit: int = MAX_BODY_BYTES, timeout: float = BODY_READ_TIMEOUT) -> bytes | None:
    """The raw request body, or ``None`` when it is longer than ``limit`` bytes; ApiError 408 when it does not
    arrive within ``timeout`` seconds."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > _DRAIN_LIMIT:
        return None
    kept = bytearray()
    seen = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                seen += len(chunk)
                if seen <= limit:
                    kept += chunk
                elif seen > _DRAIN_LIMIT:
                    break
    except ClientDisconnect:
        pass  # nobody is left to read the answer
    except TimeoutError:
        message = f"The request body did not arrive within {timeout:g} s."
        raise ApiError(408, "request.timeout", message, headers={"Connection": "close"}) from None
    return bytes(kept) if seen <= limit else None


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` or any ``type/subtype+json``, with or without parameters."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    main_type, _, subtype = media_type.partition("/")
    return media_type == "application/json" or (bool(main_type) and subtype.endswith("+json") and subtype != "+json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "bad.request", "The request body is not valid JSON.") from None


def json_object(model: str, value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object; ApiError 400 otherwise."""
    if not isinstance(value, dict):
        raise ApiError(400, "bad.request", f"The request body must be a JSON object ({model}).")
    return value


def unknown_fields(model: str, body: dict[str, Any]) -> list[str]:
    """The top-level fields of ``body`` that ``model`` does not declare."""
    declared = spec.models()[model]["properties"]
    return [name for name in body if name not in declared]


@functools.cache
def _validator(model: str) -> Draft202012Validator:
    # No format checker: a target need not reject a malformed URI (CONTRACT.md, "Left open").
    return Draft202012Validator(spec.models()[model], registry=spec.registry())


def schema_errors(model: str, instance: Any) -> list[ValidationError]:
    return sorted(_validator(model).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])


def parse_body(
    model: str,
    raw: bytes | None,
    content_type: str | None,
    as_object: Callable[[str, Any], dict[str, Any]] = json_object,
    errors_of: Callable[[str, dict[str, Any]], list[ValidationError]] = schema_errors,
) -> dict[str, Any]:
    """The body as a JSON object that fits ``model``; ApiError (400, 413 or 415) otherwise. The target passes
    its own steps for turning JSON into the object and for the schema errors."""
    if raw is not None and not raw:
        raise ApiError(400, "bad.request", "A request body is required.")
    if not is_json_media_type(content_type):
        raise ApiError(415, "unsupported.media.type", "The request body must be sent as application/json.")
    if raw is None:
        raise ApiError(413, "request.entity.too.large", f"The request body is over {MAX_BODY_BYTES} bytes.")
    body = as_object(model, _parse_json(raw))
    errors = errors_of(model, body)
    if errors:
        details = [{"errorCode": "invalid.value", "fieldName": field_name(e.absolute_path)} for e in errors]
        raise ApiError(400, "invalid.value", _describe(errors[0]), details=details)
    return body


def field_name(path: Iterable[str | int]) -> str:
    """A JSON path as a field name: ``webChatConfig.webChatSkin``, ``allowedDomains[1]``."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name or "(body)"


def _describe(error: ValidationError) -> str:
    # Built from the schema, never from the value sent, which may be huge or deeply nested.
    expected = json.dumps(error.validator_value)
    return f"Invalid value for {field_name(error.absolute_path)}: it does not satisfy {error.validator} {expected}."
