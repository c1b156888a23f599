"""The reference target as a Starlette app: CONTRACT.md implemented strictly, one step a method (``faults`` replaces
some of them on purpose)."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from jsonschema import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from webchat_contract import spec
from webchat_contract.operations import CREATE, DELETE, DELETE_SETTINGS, GET, GET_SETTINGS, LIST, PUT_SETTINGS, UPDATE
from webchat_contract.reference import bodies
from webchat_contract.reference.bodies import BODY_READ_TIMEOUT, read_body
from webchat_contract.reference.call import Call
from webchat_contract.reference.credentials import Credentials
from webchat_contract.reference.errors import (
    ApiError,
    AsciiJSONResponse,
    Forbidden,
    error_response,
    internal_error,
    oauth_error_response,
)
from webchat_contract.reference.faults import apply_faults
from webchat_contract.reference.misbehaviours import Misbehaving, validate_misbehaviours
from webchat_contract.reference.principals import Principal, Principals
from webchat_contract.reference.stats import STATS_PATH, RequestCounter, stats_route
from webchat_contract.reference.store import DeploymentStore, SettingsStore

TOKEN_PATH = "/oauth/token"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

Handler = Callable[[Request], Awaitable[Response]]


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


def _form_fields(raw: bytes | None, content_type: str | None) -> dict[str, str] | None:
    """The first value of each field of a url-encoded form body; ``None`` when the body is no such form."""
    if raw is None or (content_type or "").split(";", 1)[0].strip().lower() != FORM_MEDIA_TYPE:
        return None
    fields = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


class ReferenceTarget:
    """CONTRACT.md, one step a method. A request goes ``handle`` -> ``decisions`` (``authenticate``, ``authorize``,
    ``check_body``, ``look_up``, in that order) -> ``perform`` (the operation's own step, e.g. ``create_deployment``)
    -> ``render_success``; any ApiError on the way -> ``render_error``. A fault (``faults``) replaces one of these
    methods on an instance with its override, which may call the strict one."""

    def __init__(
        self,
        principals: Principals,
        faults: Iterable[str],
        deployment_limit: int,
        token_ttl: int,
        body_read_timeout: float = BODY_READ_TIMEOUT,
    ) -> None:
        apply_faults(self, faults)  # first: the store below takes self.self_uri as it then is
        self.body_read_timeout = body_read_timeout
        self.credentials = Credentials(principals, token_ttl)
        self.deployments = DeploymentStore(deployment_limit, self.self_uri)
        self.settings = SettingsStore()

    def routes(self) -> list[Route]:
        handlers: dict[str, dict[str, Handler]] = {}
        for op in spec.operations():
            handlers.setdefault(op.path, {})[op.method] = functools.partial(self.handle, op)
        routes = [Route(path, ByMethod(by_method, _method_not_allowed)) for path, by_method in handlers.items()]
        routes.append(Route(TOKEN_PATH, ByMethod({"POST": self.issue_token}, _token_method_not_allowed)))
        return routes

    # --- API operations: the request -------------------------------------------------------------------------

    async def handle(self, op: spec.Operation, request: Request) -> Response:
        deployment_id = next(iter(request.path_params.values()), None)
        call = Call(op, request.headers, None, deployment_id)
        try:
            # Nobody unauthenticated gets a body read (memory, time); then the body is read in full (reading decides
            # nothing), and every decision is synchronous.
            if self.decisions()[0] == self.authenticate:
                self.authenticate(call)
            call.raw_body = await read_body(request, timeout=self.body_read_timeout)
            self.check_headers(call)
            return self.answer(call)
        except ApiError as error:
            return self.render_error(error)

    def check_headers(self, call: Call) -> None:
        """A request without a body is served with or without a Content-Type (WC-REQ-CLIENT-HEADERS)."""

    def answer(self, call: Call) -> Response:
        for decide in self.decisions():
            decide(call)
        return self.perform(call)

    def decisions(self) -> list[Callable[[Call], None]]:
        """In the order the contract wants (WC-AUTH-ORDER): 401, 403, then the body, then the deployment's id."""
        return [self.authenticate, self.authorize, self.check_body, self.look_up]

    # --- 401, 403 --------------------------------------------------------------------------------------------

    def authenticate(self, call: Call) -> None:
        header = call.headers.get("authorization")
        if header is None:
            message = "No authentication bearer token specified in authorization header."
            raise self.unauthorized("authentication.required", message)
        call.permissions = self.permissions_of(_bearer_token(header))

    def permissions_of(self, token: str | None) -> frozenset[str]:
        """What a bearer token may do; 401 for a token this target does not know or that has expired."""
        grant = self.credentials.grant_for(token) if token else None
        if grant is None:
            raise self.unauthorized("bad.credentials", "Invalid login credentials.")
        if self.credentials.is_expired(grant):
            raise self.unauthorized("credentials.expired", "The access token has expired.")
        return grant.permissions

    def unauthorized(self, code: str, message: str) -> ApiError:
        return ApiError(401, code, message)

    def authorize(self, call: Call) -> None:
        for permission in self.required_permissions(call.op):
            if permission not in call.permissions:
                raise Forbidden(permission)

    def required_permissions(self, op: spec.Operation) -> list[str]:
        """The operation's one permission (``x-permission``), whatever else the token holds (WC-AUTH-403)."""
        return [op.permission]

    # --- the body --------------------------------------------------------------------------------------------

    def check_body(self, call: Call) -> None:
        model = call.op.request_model
        if model is not None:
            call.body = self.parse_body(call)
            call.fields = self.storable_fields(model, call.body)

    def parse_body(self, call: Call) -> dict[str, Any]:
        """The body as a JSON object of the request model: 400, 413 or 415 otherwise (WC-VAL-*)."""
        assert call.op.request_model is not None
        content_type = call.headers.get("content-type")
        model = call.op.request_model
        return bodies.parse_body(model, call.raw_body, content_type, self.json_object, self.schema_errors)

    def json_object(self, model: str, value: Any) -> dict[str, Any]:
        return bodies.json_object(model, value)

    def schema_errors(self, model: str, body: dict[str, Any]) -> list[ValidationError]:
        return bodies.schema_errors(model, body)

    def storable_fields(self, model: str, body: dict[str, Any]) -> dict[str, Any]:
        """The body's declared fields as sent, nested objects reduced to their declared properties; unknown fields
        are ignored (WC-VAL-UNKNOWN-FIELDS), values kept exactly (WC-DEP-ROUND-TRIP)."""
        return spec.declared_part(model, body)

    # --- the deployment's id ---------------------------------------------------------------------------------

    def look_up(self, call: Call) -> None:
        if call.op.has_path_id and not self.deployments.exists(call.deployment_id):
            raise ApiError(404, "not.found", "The requested deployment was not found.")

    def self_uri(self, deployment_id: str) -> str:
        return GET.url_path(deployment_id)

    # --- performing and answering ----------------------------------------------------------------------------

    def perform(self, call: Call) -> Response:
        steps = {
            LIST: self.list_deployments,
            CREATE: self.create_deployment,
            GET: self.get_deployment,
            UPDATE: self.replace_deployment,
            DELETE: self.delete_deployment,
            GET_SETTINGS: self.get_settings,
            PUT_SETTINGS: self.replace_settings,
            DELETE_SETTINGS: self.delete_settings,
        }
        return self.render_success(call.op, steps[call.op](call))

    def render_success(self, op: spec.Operation, result: Any) -> Response:
        """The documented success: its status with the model as JSON, or 204 without a body (WC-RESP-SUCCESS)."""
        if op.response_model is None:
            return Response(status_code=op.success_status)
        return AsciiJSONResponse(result, status_code=op.success_status)

    def render_error(self, error: ApiError) -> Response:
        return error.response()

    # --- the operations' own steps ---------------------------------------------------------------------------

    def list_deployments(self, call: Call) -> dict[str, Any]:
        entities = self.deployments_listed()
        return {"entities": entities, "total": len(entities), "selfUri": LIST.path}

    def deployments_listed(self) -> list[dict[str, Any]]:
        """Every deployment, each once, in creation order."""
        return self.deployments.all()

    def create_deployment(self, call: Call) -> dict[str, Any]:
        return self.deployments.create(call.fields)

    def get_deployment(self, call: Call) -> dict[str, Any]:
        assert call.deployment_id is not None
        return self.deployments.get(call.deployment_id)

    def replace_deployment(self, call: Call) -> dict[str, Any]:
        assert call.deployment_id is not None
        return self.deployments.replace(call.deployment_id, call.fields)

    def delete_deployment(self, call: Call) -> dict[str, Any]:
        assert call.deployment_id is not None
        return self.deployments.delete(call.deployment_id)

    def get_settings(self, call: Call) -> dict[str, Any]:
        return self.settings.get()

    def replace_settings(self, call: Call) -> dict[str, Any]:
        return self.settings.replace(call.fields)

    def delete_settings(self, call: Call) -> dict[str, Any]:
        return self.settings.clear()

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
    return internal_error().response()


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
