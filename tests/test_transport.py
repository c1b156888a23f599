"""The bounded transport: every answer read within a size cap (inflated too) and a deadline, short 429s waited
out, credentials kept to their origin, redirects visible in the transcript."""

from __future__ import annotations

import gzip
import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from webchat_contract.client import ApiClient, Transcript
from webchat_contract.config import ConfigError, parse
from webchat_contract.reference.hostile import gzip_bomb
from webchat_contract.target import Target
from webchat_contract.transport import BoundedSession, ResponseTooLarge, ResponseTooSlow

CAP = 64 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str | None]]  # (path, Authorization) of every request, per server
    other: str = ""  # base URL of the other origin
    throttled = 0

    def log_message(self, *args) -> None:
        pass

    def answer(self, status: int, body: bytes = b"{}", **headers: str) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append((self.path, self.headers.get("Authorization")))
        route = {
            "/ok": lambda: self.answer(200, b'{"ok": true}'),
            "/gzip": lambda: self.answer(200, gzip.compress(b'{"ok": true}'), Content_Encoding="gzip"),
            "/bomb": lambda: self.answer(200, gzip_bomb(), Content_Encoding="gzip"),
            "/endless": self.endless,
            "/drip": self.drip,
            "/throttle-once": self.throttle_once,
            "/throttle-long": lambda: self.answer(429, Retry_After="120"),
            "/redirect-here": lambda: self.answer(302, b"", Location="/ok"),
            "/redirect-away": lambda: self.answer(302, b"", Location=self.other + "/ok"),
        }
        route[self.path]()

    def endless(self) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"[" * 65536
        try:
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass

    def drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    def throttle_once(self) -> None:
        type(self).throttled += 1
        if type(self).throttled % 2:
            self.answer(429, Retry_After="0")
        else:
            self.answer(200)


def serve() -> tuple[http.server.ThreadingHTTPServer, type[Handler]]:
    handler = type("H", (Handler,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


@pytest.fixture
def origins() -> Iterator[tuple[str, type[Handler], str, type[Handler]]]:
    """Two servers on two ports: two origins."""
    (one, first), (two, second) = serve(), serve()
    urls = [f"http://127.0.0.1:{s.server_address[1]}" for s in (one, two)]
    first.other, second.other = urls[1], urls[0]
    yield urls[0], first, urls[1], second
    for server in (one, two):
        server.shutdown()
        server.server_close()


def test_an_endless_body_stops_at_the_cap_naming_the_exchange(origins):
    url, *_ = origins
    with pytest.raises(ResponseTooLarge, match=rf"GET {url}/endless answered 200 with a body of more than {CAP}"):
        BoundedSession(5, max_bytes=CAP).get(url + "/endless")


def test_a_gzip_bomb_is_inflated_only_up_to_the_cap(origins):
    url, *_ = origins
    with pytest.raises(ResponseTooLarge, match="once inflated"):
        BoundedSession(5, max_bytes=CAP).get(url + "/bomb")


def test_a_compressed_body_within_the_cap_is_read_inflated(origins):
    url, *_ = origins
    response = BoundedSession(5, max_bytes=CAP).get(url + "/gzip")
    assert response.json() == {"ok": True}


def test_a_dripped_body_ends_at_the_deadline(origins):
    url, *_ = origins
    with pytest.raises(ResponseTooSlow, match=f"GET {url}/drip"):
        BoundedSession(0.2, max_bytes=CAP).get(url + "/drip")


def test_a_short_retry_after_is_waited_out_and_a_long_one_returned(origins):
    url, handler, *_ = origins
    session = BoundedSession(5)
    assert session.get(url + "/throttle-once").status_code == 200
    assert [path for path, _ in handler.seen].count("/throttle-once") == 2
    assert session.get(url + "/throttle-long").status_code == 429  # the caller decides what that means


def test_credentials_follow_a_redirect_on_the_same_origin_only(origins):
    url, first, _, second = origins
    session = BoundedSession(5)
    session.get(url + "/redirect-here", headers={"Authorization": "Bearer same-origin-token"})
    session.get(url + "/redirect-away", headers={"Authorization": "Bearer other-origin-token"})
    assert ("/ok", "Bearer same-origin-token") in first.seen
    assert second.seen == [("/ok", None)]


def test_the_transcript_shows_which_url_answered_after_a_redirect(origins):
    url, _, other, _ = origins
    client = ApiClient(url, timeout=5, verify_tls=True, transcript=Transcript())
    client.get("/redirect-away", authorization="Bearer other-origin-token")
    summary = client.transcript.exchanges[-1].summary()
    assert f"redirected: 302 {url}/redirect-away; answered by {other}/ok" in summary


def test_the_cap_is_configured_per_target():
    text = '[target]\nbase_url = "http://127.0.0.1:1"\n{}[principals.a]\npermissions = []\ntoken = "a-long-token"\n'
    assert Target(parse(text.format("max_response_bytes = 2048\n"), "t.toml")).session.max_bytes == 2048
    assert parse(text.format(""), "t.toml").max_response_bytes == 4 * 1024 * 1024
    with pytest.raises(ConfigError, match=r"\[target\] max_response_bytes must be at least 1024"):
        parse(text.format("max_response_bytes = 10\n"), "t.toml")
