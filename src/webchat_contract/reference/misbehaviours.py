"""Misbehaviour modes: hostile conditions for testing the suite's robustness, not contract breaches.

A fault (``faults/``) is a bug the suite must report. A misbehaviour is what a real target, or the network in
front of it, may do to any client: never answer, answer slowly, drop the connection, answer through a proxy's
error page, throttle. The suite must survive these (time out, retry, report a broken target) without hanging
or crashing. They apply to every request except the token endpoint's, so the suite can still log in.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from webchat_contract.operations import LIST
from webchat_contract.reference import hostile
from webchat_contract.reference.errors import error_response, internal_error
from webchat_contract.reference.faults import known_names

HANG = "hang"
SLOW = "slow"
DROP_CONNECTION = "drop-connection"
HTML_ERRORS = "html-errors"
ALWAYS_500 = "always-500"
THROTTLE = "throttle"
THROTTLE_FOREVER = "throttle-forever"
THROTTLE_EVERY_7TH = "throttle-every-7th"
COLLECTION_WRITES = "collection-writes"

SLOW_DELAY = 0.3  # seconds
THROTTLE_EVERY = 3  # throttle answers 429 to every THROTTLE_EVERY-th request
THROTTLE_EVERY_7TH_PERIOD = 7
COLLECTION_METHODS = ("DELETE", "PUT", "PATCH")  # what collection-writes implements on the collection path
THROTTLE_RETRY_AFTER = 1  # seconds
THROTTLE_FOREVER_RETRY_AFTER = 120  # seconds

MISBEHAVIOURS: dict[str, str] = {
    HANG: "API requests never get an answer (the connection stays open until the client gives up)",
    SLOW: f"every API answer is delayed by {SLOW_DELAY:g} s",
    DROP_CONNECTION: "API requests get the connection closed without any answer",
    HTML_ERRORS: "every API request is answered 502 with an HTML error page, as from a proxy",
    ALWAYS_500: "every API request is answered 500 with an ErrorBody",
    THROTTLE: f"one in every {THROTTLE_EVERY} API requests is answered 429 with Retry-After: {THROTTLE_RETRY_AFTER}",
    THROTTLE_FOREVER: f"every API request is answered 429 with Retry-After: {THROTTLE_FOREVER_RETRY_AFTER}",
    THROTTLE_EVERY_7TH: f"every {THROTTLE_EVERY_7TH_PERIOD}th API request is answered 429 with Retry-After: "
    f"{THROTTLE_RETRY_AFTER}",
    COLLECTION_WRITES: "the collection path takes DELETE (deletes every deployment) and PUT/PATCH (merges the body "
    "into every deployment), without authentication, as some CRUD mocks do",
    **hostile.HOSTILE,
}

BAD_GATEWAY_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


def validate_misbehaviours(names: Iterable[str]) -> frozenset[str]:
    """The given misbehaviour names as a set; ValueError for a name not in ``MISBEHAVIOURS``."""
    return known_names("misbehaviour", names, MISBEHAVIOURS)


class Misbehaving:
    """ASGI middleware doing what the chosen modes make of each request, except on ``spared_paths``."""

    def __init__(self, app: ASGIApp, modes: Iterable[str], spared_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.modes = validate_misbehaviours(modes)
        self.spared_paths = frozenset(spared_paths)
        self._requests = 0  # API requests seen, for throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if scope["type"] == "http" and hostile.ECHO_CREDENTIALS in self.modes:
            app = hostile.EchoingCredentials(app)
        if scope["type"] != "http" or not self.modes or scope["path"] in self.spared_paths:
            await app(scope, receive, send)
            return
        self._requests += 1
        if COLLECTION_WRITES in self.modes and _is_collection_write(scope):
            await _write_collection(scope, receive, send)
            return
        if SLOW in self.modes:
            await asyncio.sleep(SLOW_DELAY)
        if HANG in self.modes:
            await _hang(receive)
            return
        if DROP_CONNECTION in self.modes:
            await _drop_connection(receive)
            return
        replacing = sorted(self.modes & hostile.REPLACING)
        if replacing:
            await _drain(receive)
            await hostile.answer_instead(replacing[0], scope, receive, send)
            return
        substitute = self._substitute_answer()
        if substitute is None:
            await app(scope, receive, send)
            return
        await _drain(receive)
        await substitute(scope, receive, send)

    def _substitute_answer(self) -> Response | None:
        """The answer given instead of the API's, or ``None`` to let the API answer."""
        if THROTTLE_FOREVER in self.modes:
            return _too_many_requests(THROTTLE_FOREVER_RETRY_AFTER)
        if THROTTLE in self.modes and self._requests % THROTTLE_EVERY == 0:
            return _too_many_requests(THROTTLE_RETRY_AFTER)
        if THROTTLE_EVERY_7TH in self.modes and self._requests % THROTTLE_EVERY_7TH_PERIOD == 0:
            return _too_many_requests(THROTTLE_RETRY_AFTER)
        if ALWAYS_500 in self.modes:
            return internal_error().response()
        if HTML_ERRORS in self.modes:
            return HTMLResponse(BAD_GATEWAY_PAGE, status_code=502)
        return None


def _is_collection_write(scope: Scope) -> bool:
    return scope["method"] in COLLECTION_METHODS and scope["path"] == LIST.path


async def _write_collection(scope: Scope, receive: Receive, send: Send) -> None:
    """collection-writes: DELETE empties the store, PUT/PATCH merge the body into every deployment."""
    raw = b""
    message = await receive()
    while message["type"] == "http.request":
        raw += message.get("body", b"")
        if not message.get("more_body", False):
            break
        message = await receive()
    store = scope["app"].state.target.deployments
    if scope["method"] == "DELETE":
        for deployment in store.all():
            store.delete(deployment["id"])
        await Response(status_code=204)(scope, receive, send)
        return
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {}
    changes = {k: v for k, v in body.items() if k not in ("id", "selfUri")} if isinstance(body, dict) else {}
    for deployment in store.all():
        kept = {k: v for k, v in deployment.items() if k not in ("id", "selfUri")}
        store.replace(deployment["id"], {**kept, **changes})
    await JSONResponse(store.all())(scope, receive, send)


def _too_many_requests(retry_after: int) -> Response:
    message = f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds"
    return error_response(429, "too.many.requests", message, headers={"Retry-After": str(retry_after)})


async def _drain(receive: Receive) -> None:
    """Read the request body to its end, so the connection can carry the next request."""
    message = await receive()
    while message["type"] == "http.request" and message.get("more_body", False):
        message = await receive()


async def _hang(receive: Receive) -> None:
    """Never answer; end when the client gives up, or when the server shuts down."""
    try:
        while (await receive())["type"] != "http.disconnect":
            pass
    except asyncio.CancelledError:
        # The server is shutting down and cancels what still runs; left to uvicorn, the cancellation would be
        # logged and answered 500, while a hanging server that goes away answers nothing. Nothing may be
        # awaited here: asyncio.run's clean-up would cancel it again.
        _close_connection(receive)


def _transport_of(receive: Receive) -> Any:
    # ASGI has no way to close a connection without an answer: an app that returns without one, or raises,
    # gets a 500 sent by uvicorn. uvicorn's receive is a method of the request cycle, which holds the transport.
    return getattr(getattr(receive, "__self__", None), "transport", None)


def _close_connection(receive: Receive) -> None:
    transport = _transport_of(receive)
    if transport is None:
        raise RuntimeError("closing a connection needs uvicorn's transport, and this server does not expose it")
    transport.close()


async def _drop_connection(receive: Receive) -> None:
    _close_connection(receive)
    # Let the transport report the connection lost before returning, so uvicorn knows nobody is left to answer
    # (otherwise it logs an app that returned without a response and tries to send a 500).
    await asyncio.sleep(0)
