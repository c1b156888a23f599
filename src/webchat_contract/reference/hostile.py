"""Hostile misbehaviours of the reference target: answers meant to leak the suite's secrets or take its runner
down (echoed credentials, bodies that never end, compression bombs, nonsense where JSON is due).

Each is an ASGI wrapper around the API; ``misbehaviours.py`` lists them with the others and applies them.
"""

from __future__ import annotations

import asyncio
import functools
import json
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ECHO_CREDENTIALS = "echo-credentials"
ENDLESS_BODY = "endless-body"
GZIP_BOMB = "gzip-bomb"
NON_JSON = "non-json"
EMPTY_BODY = "empty-body"

BOMB_MEBIBYTES = 1024  # what the gzip bomb inflates to
ENDLESS_CHUNK = b"[" * 65536
NON_JSON_PAGE = b"<html><body><h1>It works!</h1></body></html>"
ECHO_LIMIT = 4096  # bytes of a request body an echoing answer quotes

HOSTILE: dict[str, str] = {
    ECHO_CREDENTIALS: "every error answer quotes the request's Authorization header and body (the token endpoint's "
    "Basic credentials and form included)",
    ENDLESS_BODY: "every API request is answered 200 with a JSON body that never ends",
    GZIP_BOMB: f"every API request is answered 200 with a ~1 MB gzip body that inflates to {BOMB_MEBIBYTES} MiB",
    NON_JSON: "every API request is answered 200 with an HTML page",
    EMPTY_BODY: "every API request is answered 200 with application/json and an empty body",
}
# the misbehaviours that replace every API answer with their own
REPLACING = frozenset({ENDLESS_BODY, GZIP_BOMB, NON_JSON, EMPTY_BODY})


@functools.cache
def gzip_bomb() -> bytes:
    """A gzip member of BOMB_MEBIBYTES MiB of zeros: one compressed MiB, fully flushed, repeated."""
    mebibyte = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(mebibyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(BOMB_MEBIBYTES):
        crc = zlib.crc32(mebibyte, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    trailer = struct.pack("<II", crc, (BOMB_MEBIBYTES << 20) & 0xFFFFFFFF)
    return header + piece * BOMB_MEBIBYTES + compressor.flush() + trailer


async def _start(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _forever() -> AsyncIterator[bytes]:
    while True:
        yield ENDLESS_CHUNK
        await asyncio.sleep(0)


async def endless_body(scope: Scope, receive: Receive, send: Send) -> None:
    """A JSON array that never closes; Starlette stops streaming it once the client goes away."""
    await StreamingResponse(_forever(), media_type="application/json")(scope, receive, send)


async def bomb(send: Send) -> None:
    body = gzip_bomb()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-encoding", b"gzip"),
        (b"content-length", str(len(body)).encode()),
    ]
    await _start(send, 200, headers)
    await send({"type": "http.response.body", "body": body})


async def fixed(send: Send, content_type: bytes, body: bytes) -> None:
    await _start(send, 200, [(b"content-type", content_type), (b"content-length", str(len(body)).encode())])
    await send({"type": "http.response.body", "body": body})


async def answer_instead(mode: str, scope: Scope, receive: Receive, send: Send) -> None:
    """What the API answers under a hostile mode that replaces every answer."""
    if mode == ENDLESS_BODY:
        await endless_body(scope, receive, send)
    elif mode == GZIP_BOMB:
        await bomb(send)
    elif mode == NON_JSON:
        await fixed(send, b"text/html; charset=utf-8", NON_JSON_PAGE)
    elif mode == EMPTY_BODY:
        await fixed(send, b"application/json", b"")


class EchoingCredentials:
    """Wraps one request: an error answer gets what the request carried quoted in its message fields."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        sent = bytearray()

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(sent) < ECHO_LIMIT:
                sent.extend(message.get("body", b"")[: ECHO_LIMIT - len(sent)])
            return message

        start: dict[str, Any] = {}
        body = bytearray()

        async def echoing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                if message["status"] < 400:
                    await send(message)
                return
            if start.get("status", 200) < 400:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            echoed = _echo(bytes(body), authorization, sent.decode("utf-8", "replace"))
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(echoed)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": echoed})

        await self.app(scope, recording_receive, echoing_send)


def _echo(body: bytes, authorization: str, request_body: str) -> bytes:
    """The error body with what was sent quoted in its message (and in the OAuth error's description)."""
    credential = authorization.partition(" ")[2]
    quote = f" (you sent Authorization: {authorization!r}, credential {credential}, body: {request_body!r})"
    try:
        parsed = json.loads(body)
    except ValueError:
        return body + quote.encode()
    if not isinstance(parsed, dict):
        return body
    for name in ("message", "error_description", "description"):
        if isinstance(parsed.get(name), str):
            parsed[name] += quote
    return json.dumps(parsed).encode()
