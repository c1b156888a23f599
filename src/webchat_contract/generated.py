"""The suite's own schemathesis setup and checks: what CONTRACT.md requires and the built-in checks do not look at,
and the guard that keeps generated requests away from anything the run did not create."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote

import schemathesis
from schemathesis import GenerationMode

from . import spec
from .checks import field_violations
from .operations import GET, GET_SETTINGS, LIST, PUT_SETTINGS, UPDATE
from .reporting.redact import SECRET_HEADERS
from .transport import BoundedSession, json_or_none
from .violations import ERROR_BODY, INVENTED_ID_PREFIX, ContractViolation, from_schemathesis, raise_if_any, violation

# what may ever reach the collection path (CONTRACT.md section 4): the documented POST and safe methods
COLLECTION_METHODS = frozenset({"POST", "GET", "HEAD", "OPTIONS"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PATH_ID = "deploymentId"

SECRET_MARKERS = ("token", "secret", "password", "passwd", "credential", "session")


@functools.cache
def load_schema():
    """The OpenAPI document as a schemathesis schema, configured for the contract: positive and negative inputs,
    no example database, no undeclared methods (on a target that implements DELETE on the collection, one would
    wipe deployments that are not the run's), links only from POST to the by-id operations (never inferred from
    the list, whose ids belong to someone else). The target's base URL is given on every call."""
    schema = schemathesis.openapi.from_dict(spec.bundled_openapi())
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], database="none")
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing", "stateful"])
    schema.config.phases.coverage.unexpected_methods = set()
    schema.config.phases.stateful.inference.algorithms = []
    # schemathesis hides any field whose name holds "auth" or "key" ("authenticationRequired": "[Filtered]"); only
    # credentials are secret here, and the suite's Redactor removes them from every output anyway
    sanitization = schema.config.output.sanitization
    sanitization.keys_to_sanitize = SECRET_HEADERS
    sanitization.sensitive_markers = SECRET_MARKERS
    return schema


def invented_id() -> str:
    """An id no target holds: what a write by id is sent to when the id is not one of the run's."""
    return f"{INVENTED_ID_PREFIX}{uuid.uuid4().hex}"


def made_safe(case: Any, own: Iterable[str]) -> bool:
    """Make ``case`` harmless to everything the run did not create; False when it must not be sent at all.
    To the collection only POST and safe methods; a write by id only to one of ``own`` (the run's live
    deployments), else to an invented id; ids percent-encoded; an id in a body is always an invented one."""
    method = str(case.method).upper()
    path = case.operation.path
    if isinstance(case.body, dict) and "id" in case.body:
        # a target that honours a body's id (a CRUD mock) would overwrite whatever holds it: only invented ids
        case.body["id"] = invented_id()
    if path == LIST.path:
        return method in COLLECTION_METHODS
    if PATH_ID not in path:
        return True  # the settings: global, restored by the settings guard
    params = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    case.path_parameters = params
    current = params.get(PATH_ID)
    if method in SAFE_METHODS:
        return True
    params[PATH_ID] = quote(current, safe="") if isinstance(current, str) and current in set(own) else invented_id()
    return True


def created_by_write(case: Any, response: Any) -> str | None:
    """The id a write by id created, when the target answered a PUT to an id it does not hold with a success
    (a deviation the checks report; the deployment still has to go)."""
    if str(case.method).upper() != "PUT" or PATH_ID not in case.operation.path or not 200 <= response.status_code < 300:
        return None
    deployment_id = (case.path_parameters or {}).get(PATH_ID)
    return unquote(deployment_id) if isinstance(deployment_id, str) else None


@functools.cache
def bodiless_operations() -> frozenset[tuple[str, str]]:
    return frozenset((op.method, op.path) for op in spec.operations() if op.request_model is None)


def refused_for_its_headers(case: Any, response: Any) -> bool:
    """A media-type refusal of a request without a body: WC-REQ-CLIENT-HEADERS judges that, once, in its own tests
    (schemathesis sends no Content-Type without a body, the SDKs always do: a target may refuse either)."""
    method_and_path = (str(case.method).upper(), case.operation.path)
    return method_and_path in bodiless_operations() and response.status_code in {406, 415}


def validate(case: Any, response: Any, checks: list, **kwargs: Any) -> None:
    """Run ``checks`` on one response; every failure becomes a violation of its requirement (those CONTRACT.md
    does not make a MUST are dropped), raised together."""
    if refused_for_its_headers(case, response):
        return
    try:
        case.validate_response(response, checks=checks, **kwargs)
    except (BaseExceptionGroup, AssertionError) as error:
        failures = error.exceptions if isinstance(error, BaseExceptionGroup) else [error]
        raise_if_any(from_schemathesis(failures, response, case))


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
        raise ContractViolation(
            [violation(ERROR_BODY, f"ErrorBody status {body['status']!r} differs from HTTP status", response)]
        )
    return True


@schemathesis.check
def put_persisted(ctx, response, case):
    """A PUT that answered 200 stored what it was sent: a GET right after answers every field sent, equal."""
    method, path = str(case.method).upper(), case.operation.path
    if response.status_code != 200 or method != "PUT" or not isinstance(case.body, dict):
        return None
    read = GET if path == UPDATE.path else GET_SETTINGS if path == PUT_SETTINGS.path else None
    if read is None:
        return None
    requirement = "WC-DEP-UPDATE" if read is GET else "WC-SET-UPDATE"
    request = response.request
    fetched = _session_of(ctx).get(
        request.url.split("?")[0],
        headers={"Authorization": request.headers.get("Authorization", "")},
        verify=response.verify,
    )
    try:
        stored = fetched.json()
    except ValueError:
        raise ContractViolation([violation(requirement, "the GET after a PUT answered no JSON", fetched)]) from None
    if fetched.status_code != 200 or spec.validation_errors(read.response_model, stored):
        return None  # an answer that is no model at all: the checks of that GET's own answers report it
    if read is GET and _declared(read, stored) == _declared(read, json_or_none(response)):
        requirement = "WC-DEP-ROUND-TRIP"  # stored what it answered: what differs from the request is the round trip's
    raise_if_any(field_violations(spec.declared_part(read.response_model, case.body), stored, fetched, requirement))
    return True


def _declared(read, body):
    return spec.declared_part(read.response_model, body) if isinstance(body, dict) else body


def _session_of(ctx) -> BoundedSession:
    """The session the case was sent with (the run's, given in call_kwargs); schemathesis keeps it in the
    context's internals."""
    kwargs = getattr(getattr(ctx, "internals", None), "transport_kwargs", None) or {}
    session = kwargs.get("session")
    return session if isinstance(session, BoundedSession) else BoundedSession()
