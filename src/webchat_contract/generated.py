"""The suite's own schemathesis checks: what CONTRACT.md requires and the built-in checks do not look at."""

from __future__ import annotations

import functools

import schemathesis
from schemathesis import GenerationMode

from . import spec
from .checks import check_fields_equal, json_body
from .operations import GET, GET_SETTINGS, PUT_SETTINGS, UPDATE
from .transport import BoundedSession

SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key")
SECRET_MARKERS = ("token", "secret", "password", "passwd", "credential", "session")


@functools.cache
def load_schema():
    """The OpenAPI document as a schemathesis schema, configured for the contract: positive and negative inputs,
    no example database, links only from POST to the by-id operations (never inferred from the list, whose ids
    belong to someone else). The target's base URL is given on every call."""
    schema = schemathesis.openapi.from_dict(spec.bundled_openapi())
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], database="none")
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing", "stateful"])
    schema.config.phases.stateful.inference.algorithms = []
    # schemathesis hides any field whose name holds "auth" or "key" ("authenticationRequired": "[Filtered]"); only
    # credentials are secret here, and the suite's Redactor removes them from every output anyway
    sanitization = schema.config.output.sanitization
    sanitization.keys_to_sanitize = SECRET_HEADERS
    sanitization.sensitive_markers = SECRET_MARKERS
    return schema


@schemathesis.check
def error_body_status_matches(ctx, response, case):
    """An ErrorBody's ``status``, where present, equals the HTTP status."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return None  # content_type_conformance / response_schema_conformance speak to that
    if isinstance(body, dict) and "status" in body and body["status"] != response.status_code:
        raise AssertionError(f"ErrorBody status {body['status']} differs from HTTP status {response.status_code}")
    return True


@schemathesis.check
def put_persisted(ctx, response, case):
    """A PUT that answered 200 stored what it was sent: a GET right after answers every field sent, equal."""
    method, path = case.operation.method.upper(), case.operation.path
    if response.status_code != 200 or method != "PUT" or not isinstance(case.body, dict):
        return None
    read = GET if path == UPDATE.path else GET_SETTINGS if path == PUT_SETTINGS.path else None
    if read is None:
        return None
    request = response.request
    url = request.url.split("?")[0]
    headers = {"Authorization": request.headers.get("Authorization", "")}
    fetched = _session_of(ctx).get(url, headers=headers, verify=response.verify)
    check_fields_equal(spec.declared_part(read.response_model, case.body), json_body(fetched), fetched)
    return True


def _session_of(ctx) -> BoundedSession:
    """The session the case was sent with (the run's, given in call_kwargs); schemathesis keeps it in the
    context's internals."""
    kwargs = getattr(getattr(ctx, "internals", None), "transport_kwargs", None) or {}
    session = kwargs.get("session")
    return session if isinstance(session, BoundedSession) else BoundedSession()
