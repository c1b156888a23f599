"""The reference target as a Starlette app: CONTRACT.md implemented strictly, with optional fault switches."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from webchat_contract import spec
from webchat_contract.reference.bodies import BODY_READ_TIMEOUT, parse_body, read_body, storable_fields
from webchat_contract.reference.credentials import Credentials
from webchat_contract.reference.errors import (
    ApiError,
    AsciiJSONResponse,
    Forbidden,
    error_response,
    oauth_error_response,
)
from webchat_contract.reference.faults import (
    ACT_BEFORE_DENY,
    ALL_PERMISSIONS_REQUIRED,
    ANY_TOKEN_ACCEPTED,
    BOOLEAN_AS_STRING,
    CLIENT_ID_HONOURED,
    CONTENT_TYPE_REQUIRED,
    CONTENT_TYPE_WITHOUT_BODY_REFUSED,
    DELETE_ANSWERS_200_WITH_BODY,
    DELETE_KEEPS_DEPLOYMENT,
    DENIED_PUT_STORES,
    DROPPED_FIELD,
    DROPS_DESCRIPTION,
    EMPTY_ID,
    ERROR_NOT_JSON,
    ERROR_STATUS_MISMATCH,
    FAIL_ON_EMPTY_ARRAY,
    FAIL_ON_LONG_NAME,
    FAIL_ON_LONG_STRING,
    FAIL_ON_NON_ASCII,
    FORBIDDEN_INSTEAD_OF_UNAUTHORIZED,
    JSON_IN_UTF16,
    LIST_DUPLICATES_ENTRY,
    LIST_OMITS_NEWEST,
    LONG_NAME,
    LONG_STRING,
    LOOKUP_BEFORE_AUTH,
    MISMATCHED_ERROR_STATUS,
    NON_JSON_SUCCESS,
    NOT_FOUND_AS_400,
    NULL_ENTITIES_WHEN_EMPTY,
    POST_ANSWERS_201,
    POST_NOT_PERSISTED,
    POST_NULL_ID,
    PUT_BODY_ID_WINS,
    PUT_CREATES_UNKNOWN_ID,
    PUT_NOT_PERSISTED,
    SETTINGS_DELETE_KEEPS,
    SETTINGS_NOT_PERSISTED,
    SKIP_PERMISSION_CHECK,
    TEXT_CONTENT_TYPE,
    VALIDATE_BEFORE_AUTH,
    WRONG_PERMISSION,
    WRONG_SELF_URI,
    WRONG_TOTAL,
    operation_fault,
    validate_faults,
    wrong_permission_for,
)
from webchat_contract.reference.misbehaviours import Misbehaving, validate_misbehaviours
from webchat_contract.reference.principals import Principal, Principals
from webchat_contract.reference.stats import STATS_PATH, RequestCounter, stats_route
from webchat_contract.reference.store import DeploymentStore, SettingsStore

TOKEN_PATH = "/oauth/token"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Call:
    """One request to an API operation, and what the checks learned about it so far."""

    op: spec.Operation
    headers: Headers
    raw_body: bytes | None  # None: over the size limit
    deployment_id: str | None
    permissions: frozenset[str] = frozenset()
    body: dict[str, Any] = field(default_factory=dict)  # as sent
    fields: dict[str, Any] = field(default_factory=dict)  # what is stored from it


class ByMethod:
    """ASGI endpoint for one path: each documented method goes to its handler, any other gets a 405 ErrorBody."""

    def __init__(self, handlers: Mapping[str, Handler], not_allowed: Callable[[str], Response]) -> None:
        self.handlers = dict(handlers)
        self.not_allowed = not_allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        handler = self.handlers.get(request.method)
        response = await handler(request) if handler else self.not_allowed(", ".join(self.handlers))
        await response(scope, receive, send)


def _method_not_allowed(allowed: str) -> Response:
    message = "The method is not allowed on this path."
    return error_response(405, "method.not.allowed", message, headers={"Allow": allowed})


def _bearer_token(header: str) -> str | None:
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from ``Authorization: Basic base64(client_id:client_secret)``."""
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, client_secret = decoded.partition(":")
    return (client_id, client_secret) if colon else None


def _json_values(value: Any) -> Iterator[Any]:
    """``value`` and everything nested in it."""
    yield value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for child in value:
            yield from _json_values(child)


def _booleans_as_strings(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {name: _booleans_as_strings(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_booleans_as_strings(item) for item in value]
    return value


def _internal_error() -> ApiError:
    return ApiError(500, "internal.server.error", "The server encountered an unexpected condition.")


def _form_fields(raw: bytes | None, content_type: str | None) -> dict[str, str] | None:
    """The first value of each field of a url-encoded form body; ``None`` when the body is no such form."""
    if raw is None or (content_type or "").split(";", 1)[0].strip().lower() != FORM_MEDIA_TYPE:
        return None
    fields = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


class ReferenceTarget:
    """State and behaviour behind the app; ``create_app`` wires it into Starlette."""

    def __init__(
        self,
        principals: Principals,
        faults: Iterable[str],
        deployment_limit: int,
        token_ttl: int,
        body_read_timeout: float = BODY_READ_TIMEOUT,
    ) -> None:
        self.faults = validate_faults(faults)
        self.body_read_timeout = body_read_timeout
        self.credentials = Credentials(principals, token_ttl)
        deployment_ops = [op for op in spec.operations() if op.resource == "deployments"]
        self.collection_path = next(op for op in deployment_ops if not op.has_path_id).path
        entity = next(op for op in deployment_ops if op.has_path_id)
        self.deployments = DeploymentStore(
            deployment_limit, self._self_uri if WRONG_SELF_URI in self.faults else entity.url_path
        )
        self.settings = SettingsStore()

    def _self_uri(self, deployment_id: str) -> str:
        """The wrong-self-uri fault: the collection's path, the id forgotten."""
        return self.collection_path

    def routes(self) -> list[Route]:
        handlers: dict[str, dict[str, Handler]] = {}
        for op in spec.operations():
            handlers.setdefault(op.path, {})[op.method] = functools.partial(self.handle, op)
        routes = [Route(path, ByMethod(by_method, _method_not_allowed)) for path, by_method in handlers.items()]
        routes.append(Route(TOKEN_PATH, ByMethod({"POST": self.issue_token}, _token_method_not_allowed)))
        return routes

    def _fault_on(self, kind: str, op: spec.Operation) -> bool:
        return operation_fault(kind, op.operation_id) in self.faults

    # --- API operations --------------------------------------------------------------------------------------

    async def handle(self, op: spec.Operation, request: Request) -> Response:
        # Nobody unauthenticated gets a body read (memory, time); then the body is read in full (reading decides
        # nothing), and every decision below is synchronous.
        deployment_id = next(iter(request.path_params.values()), None)
        call = Call(op, request.headers, None, deployment_id)
        try:
            if self._checks()[0] == self._authenticate:
                self._authenticate(call)
            call.raw_body = await read_body(request, timeout=self.body_read_timeout)
            self._refuse_for_content_type(call)
            return self._answer(call)
        except ApiError as error:
            return self._error_answer(error)

    def _refuse_for_content_type(self, call: Call) -> None:
        """The content-type-* faults: a media-type filter on the operations without a body, too strict one way or
        the other."""
        if call.op.request_model is not None or call.raw_body != b"":
            return
        carries = "content-type" in call.headers
        if CONTENT_TYPE_WITHOUT_BODY_REFUSED in self.faults and carries:
            raise ApiError(415, "unsupported.media.type", "A request without a body must not carry a Content-Type.")
        if CONTENT_TYPE_REQUIRED in self.faults and not carries:
            raise ApiError(415, "unsupported.media.type", "Every request must carry Content-Type: application/json.")

    def _error_answer(self, error: ApiError) -> Response:
        if ERROR_NOT_JSON in self.faults:
            return PlainTextResponse(f"{error.status} {error.message}", status_code=error.status, headers=error.headers)
        if ERROR_STATUS_MISMATCH in self.faults:
            return error.response(body_status=MISMATCHED_ERROR_STATUS)
        return error.response()

    def _answer(self, call: Call) -> Response:
        try:
            self._run_checks(call)
        except Forbidden:
            put_stores = DENIED_PUT_STORES in self.faults and call.op.method == "PUT"
            if (ACT_BEFORE_DENY in self.faults and call.op.writes) or put_stores:
                self._act_anyway(call)
            raise
        return self._perform(call)

    def _checks(self) -> list[Callable[[Call], None]]:
        """The decisions in the order the contract wants (401, 403, body, lookup), unless a fault moves one."""
        checks = [self._authenticate, self._authorize, self._check_body, self._look_up]
        for fault, check in ((LOOKUP_BEFORE_AUTH, self._look_up), (VALIDATE_BEFORE_AUTH, self._check_body)):
            if fault in self.faults:
                checks.remove(check)
                checks.insert(0, check)
        return checks

    def _run_checks(self, call: Call, skip: Callable[[Call], None] | None = None) -> None:
        for check in self._checks():
            if check != skip:
                check(call)

    def _act_anyway(self, call: Call) -> None:
        """The act-before-deny fault: do what a permitted request would have done, then let the 403 go out."""
        try:
            self._run_checks(call, skip=self._authorize)
            self._perform(call)
        except ApiError:
            pass

    def _unauthorized(self, code: str, message: str) -> ApiError:
        if FORBIDDEN_INSTEAD_OF_UNAUTHORIZED in self.faults:
            return ApiError(403, "not.authorized", message)
        return ApiError(401, code, message)

    def _authenticate(self, call: Call) -> None:
        header = call.headers.get("authorization")
        if header is None:
            raise self._unauthorized(
                "authentication.required", "No authentication bearer token specified in authorization header."
            )
        token = _bearer_token(header)
        grant = self.credentials.grant_for(token) if token else None
        if grant is None:
            if token and ANY_TOKEN_ACCEPTED in self.faults:
                call.permissions = frozenset(spec.permissions())
                return
            raise self._unauthorized("bad.credentials", "Invalid login credentials.")
        if self.credentials.is_expired(grant):
            raise self._unauthorized("credentials.expired", "The access token has expired.")
        call.permissions = grant.permissions

    def _authorize(self, call: Call) -> None:
        if self._fault_on(SKIP_PERMISSION_CHECK, call.op):
            return
        required = [call.op.permission]
        if self._fault_on(WRONG_PERMISSION, call.op):
            required = [wrong_permission_for(call.op.permission)]
        if ALL_PERMISSIONS_REQUIRED in self.faults:
            required = spec.permissions()
        for permission in required:
            if permission not in call.permissions:
                raise Forbidden(permission)

    def _check_body(self, call: Call) -> None:
        model = call.op.request_model
        if model is not None:
            call.body = parse_body(model, call.raw_body, call.headers.get("content-type"), self.faults)
            call.fields = storable_fields(model, call.body, self.faults)

    def _look_up(self, call: Call) -> None:
        if not call.op.has_path_id or self.deployments.exists(call.deployment_id):
            return
        if PUT_CREATES_UNKNOWN_ID in self.faults and call.op.method == "PUT":
            return
        if NOT_FOUND_AS_400 in self.faults:
            raise ApiError(400, "bad.request", "The deployment id is not valid.")
        raise ApiError(404, "not.found", "The requested deployment was not found.")

    def _perform(self, call: Call) -> Response:
        self._fail_on_unusual_input(call.fields)
        if call.op.resource == "settings":
            result = self._perform_on_settings(call)
        else:
            result = self._perform_on_deployments(call)
        return self._success(call.op, result)

    def _fail_on_unusual_input(self, fields: dict[str, Any]) -> None:
        """The 500-on-* faults: input a careless implementation chokes on."""
        values = list(_json_values(fields))
        strings = [value for value in values if isinstance(value, str)]
        if FAIL_ON_NON_ASCII in self.faults and not all(string.isascii() for string in strings):
            raise _internal_error()
        if FAIL_ON_EMPTY_ARRAY in self.faults and any(value == [] for value in values):
            raise _internal_error()
        if FAIL_ON_LONG_STRING in self.faults and any(len(string) > LONG_STRING for string in strings):
            raise _internal_error()
        name = fields.get("name")
        if FAIL_ON_LONG_NAME in self.faults and isinstance(name, str) and len(name) > LONG_NAME:
            raise _internal_error()

    def _success(self, op: spec.Operation, result: Any) -> Response:
        if op.response_model is None:
            if DELETE_ANSWERS_200_WITH_BODY in self.faults:
                return AsciiJSONResponse(result, status_code=200)
            return Response(status_code=op.success_status)
        status = 201 if POST_ANSWERS_201 in self.faults and op.method == "POST" else op.success_status
        if BOOLEAN_AS_STRING in self.faults:
            result = _booleans_as_strings(result)
        if NON_JSON_SUCCESS in self.faults:
            return Response("OK", status_code=status, media_type="application/json")
        media_type = "text/plain" if TEXT_CONTENT_TYPE in self.faults else None
        answer = AsciiJSONResponse(result, status_code=status, media_type=media_type)
        if JSON_IN_UTF16 in self.faults:
            utf16 = answer.body.decode("ascii").encode("utf-16")
            return Response(utf16, status_code=status, media_type="application/json; charset=utf-16")
        return answer

    def _perform_on_deployments(self, call: Call) -> Any:
        method, deployment_id = call.op.method, call.deployment_id
        if deployment_id is None:
            return self._listing() if method == "GET" else self._create(call)
        if method == "GET":
            return self._get(deployment_id)
        if method == "PUT":
            return self._replace(call)
        if method == "DELETE":
            return self._delete(deployment_id)
        raise AssertionError(f"no deployment behaviour for {method}")

    def _listing(self) -> dict[str, Any]:
        entities = self.deployments.all()
        if LIST_OMITS_NEWEST in self.faults:
            entities = entities[:-1]
        if LIST_DUPLICATES_ENTRY in self.faults:
            entities = entities + entities[:1]
        total = len(entities) + (1 if WRONG_TOTAL in self.faults else 0)
        null_entities = NULL_ENTITIES_WHEN_EMPTY in self.faults and not entities
        return {"entities": None if null_entities else entities, "total": total, "selfUri": self.collection_path}

    def _create(self, call: Call) -> dict[str, Any]:
        client_id = call.body.get("id")
        if CLIENT_ID_HONOURED in self.faults and isinstance(client_id, str) and client_id:
            return self.deployments.replace(client_id, call.fields)
        if POST_NOT_PERSISTED in self.faults:
            return self.deployments.draft(call.fields)
        created = self.deployments.create(call.fields)
        if EMPTY_ID in self.faults:
            return {**created, "id": ""}
        if POST_NULL_ID in self.faults:
            return {**created, "id": None}
        return created

    def _get(self, deployment_id: str) -> dict[str, Any]:
        deployment = self.deployments.get(deployment_id)
        if DROPS_DESCRIPTION in self.faults:
            return {name: value for name, value in deployment.items() if name != DROPPED_FIELD}
        return deployment

    def _replace(self, call: Call) -> dict[str, Any]:
        deployment_id = call.deployment_id
        assert deployment_id is not None
        body_id = call.body.get("id")
        if PUT_BODY_ID_WINS in self.faults and isinstance(body_id, str) and self.deployments.exists(body_id):
            deployment_id = body_id
        if PUT_NOT_PERSISTED in self.faults:
            return self.deployments.draft(call.fields, deployment_id)
        return self.deployments.replace(deployment_id, call.fields)

    def _delete(self, deployment_id: str) -> dict[str, Any]:
        if DELETE_KEEPS_DEPLOYMENT in self.faults:
            return self.deployments.get(deployment_id)
        return self.deployments.delete(deployment_id)

    def _perform_on_settings(self, call: Call) -> dict[str, Any]:
        method = call.op.method
        if method == "GET":
            return self.settings.get()
        if method == "PUT":
            if SETTINGS_NOT_PERSISTED in self.faults:
                return dict(call.fields)
            return self.settings.replace(call.fields)
        if method == "DELETE":
            if SETTINGS_DELETE_KEEPS in self.faults:
                return self.settings.get()
            return self.settings.clear()
        raise AssertionError(f"no settings behaviour for {method}")

    # --- OAuth client-credentials grant ----------------------------------------------------------------------

    async def issue_token(self, request: Request) -> Response:
        principal = self._client(request.headers.get("authorization"))
        if principal is None:  # answered before reading the body: an unknown client gets no memory or time
            challenge = {"WWW-Authenticate": 'Basic realm="oauth"'}
            return oauth_error_response(401, "invalid_client", "Client authentication failed.", headers=challenge)
        try:
            raw_body = await read_body(request, timeout=self.body_read_timeout)
        except ApiError as error:
            return oauth_error_response(error.status, "invalid_request", error.message, headers=error.headers)
        form = _form_fields(raw_body, request.headers.get("content-type"))
        if form is None:
            return oauth_error_response(400, "invalid_request", f"The request body must be {FORM_MEDIA_TYPE}.")
        grant_type = form.get("grant_type")
        if not grant_type:
            return oauth_error_response(400, "invalid_request", "grant_type is required.")
        if grant_type != "client_credentials":
            return oauth_error_response(400, "unsupported_grant_type", "Only client_credentials is supported.")
        token = self.credentials.issue(principal)
        body = {"access_token": token, "token_type": "bearer", "expires_in": self.credentials.token_ttl}
        return AsciiJSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _client(self, header: str | None) -> Principal | None:
        credentials = _basic_credentials(header)
        return self.credentials.client(*credentials) if credentials else None


def _token_method_not_allowed(allowed: str) -> Response:
    return oauth_error_response(405, "invalid_request", f"Use {allowed}.", headers={"Allow": allowed})


async def _http_error(request: Request, exc: Exception) -> Response:
    """Errors raised by Starlette itself; in practice only 404 for a path the API does not have."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(404, "not.found", "The requested resource was not found.", headers=exc.headers)
    return error_response(exc.status_code, "bad.request", str(exc.detail), headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "internal.server.error", "The server encountered an unexpected condition.")


def create_app(
    principals: Principals,
    faults: Iterable[str] = frozenset(),
    deployment_limit: int = 10,
    token_ttl: int = 86400,
    misbehaviours: Iterable[str] = frozenset(),
    body_read_timeout: float = BODY_READ_TIMEOUT,
) -> Starlette:
    """The reference target; ``faults`` (names from ``FAULTS``) turn on deliberate contract violations,
    ``misbehaviours`` (names from ``MISBEHAVIOURS``) hostile conditions for the suite to survive."""
    target = ReferenceTarget(principals, faults, deployment_limit, token_ttl, body_read_timeout)
    modes = validate_misbehaviours(misbehaviours)
    counts = {"requests": 0}
    middleware = [Middleware(RequestCounter, counts=counts)]
    middleware += [Middleware(Misbehaving, modes=modes, spared_paths=[TOKEN_PATH, STATS_PATH])] if modes else []
    app = Starlette(
        routes=[*target.routes(), stats_route(counts)],
        exception_handlers={HTTPException: _http_error, Exception: _unexpected_error},
        middleware=middleware,
    )
    app.router.redirect_slashes = False  # a trailing slash is an unknown path (404), not a redirect
    app.state.target = target
    return app
