"""A recording proxy: forwards any request to a server and records every exchange, so a test sees what the suite
sent to a mock tool and what the tool answered, even when the tool keeps no state."""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from webchat_contract import spec
from webchat_contract.cleanup import addressable_id

COLLECTION = spec.operation("postWebchatDeployments").path
SAFE_ON_COLLECTION = {"GET", "HEAD", "OPTIONS", "POST"}
WRITES = {"PUT", "DELETE", "PATCH"}


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    body: Any  # the answer's JSON, or None


@dataclass
class Recording:
    exchanges: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange) -> None:
        with self.lock:
            self.exchanges.append(exchange)

    def created_ids(self) -> set[str]:
        """Ids of what the target says it created: every 2xx answer to a POST on the collection naming one."""
        return {
            e.body["id"]
            for e in self.exchanges
            if e.method == "POST" and e.path == COLLECTION and 200 <= e.status < 300 and named_id(e.body)
        }

    def unsafe_on_collection(self) -> list[str]:
        return [f"{e.method} {e.path} -> {e.status}" for e in self.exchanges if _on_collection(e) and not _safe(e)]

    def writes_to(self, ids: set[str]) -> list[str]:
        return [
            f"{e.method} {e.path} -> {e.status}" for e in self.exchanges if e.method in WRITES and _id_of(e.path) in ids
        ]

    def deleted_ids(self) -> set[str]:
        return {_id_of(e.path) for e in self.exchanges if e.method == "DELETE" and 200 <= e.status < 300} - {None}


def named_id(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("id"), str) and body["id"] != ""


def addressable(entry: Any) -> bool:
    return isinstance(entry, dict) and addressable_id(entry.get("id")) is not None


def _on_collection(exchange: Exchange) -> bool:
    return exchange.path.rstrip("/") == COLLECTION


def _safe(exchange: Exchange) -> bool:
    return exchange.method in SAFE_ON_COLLECTION


def _id_of(path: str) -> str | None:
    prefix = COLLECTION + "/"
    return unquote(path[len(prefix) :]) if path.startswith(prefix) else None


class RecordingHandler(BaseHTTPRequestHandler):
    """Forwards any method to the mock and records the exchange."""

    protocol_version = "HTTP/1.1"

    def __getattr__(self, name: str):
        if name.startswith("do_"):
            return self._forward
        raise AttributeError(name)

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        upstream.close()
        self.server.recording.add(Exchange(self.command, urlsplit(self.path).path, answer.status, json_of(content)))
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def json_of(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None
