"""The reference target holds up as a local mock: no body is read before authentication, a body must arrive in
time, connections are capped, and issued tokens do not pile up."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from webchat_contract import spec
from webchat_contract.reference import credentials
from webchat_contract.reference.principals import generate_principals
from webchat_contract.reference.server import MAX_CONCURRENCY, EmbeddedTarget, InProcessTarget

CREATE = spec.operation("postWebchatDeployments")
MEGABYTE = b"x" * (1024 * 1024)
UPLOADS = 100
# how much higher the server's peak memory may climb during the uploads (allocator slack, not the bodies: a server
# reading them before authentication climbs 30-40 MB)
PEAK_GROWTH_MB_LIMIT = 20


def peak_rss_mb(pid: int) -> float:
    """The most resident memory the process ever held: a body read and freed again still shows."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def upload(url: str) -> int:
    with requests.Session() as session:
        headers = {"Content-Type": "application/json"}
        try:
            return session.post(url, data=MEGABYTE, headers=headers, timeout=30).status_code
        except requests.ConnectionError:
            return 0  # the server answered and closed before taking the whole body


def test_unauthenticated_uploads_leave_no_memory_behind(tmp_path):
    with EmbeddedTarget(tmp_path) as target:
        url = target.base_url + CREATE.path
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(upload, [url] * 10))  # warm up
        before = peak_rss_mb(target.pid)
        with ThreadPoolExecutor(UPLOADS) as pool:
            statuses = list(pool.map(upload, [url] * UPLOADS))
        peak_after = peak_rss_mb(target.pid)
        print(f"server peak RSS {before:.0f} MB before, {peak_after:.0f} MB after {UPLOADS} concurrent 1 MB uploads")
        assert set(statuses) <= {401, 503, 0} and 401 in statuses, statuses
        assert peak_after - before < PEAK_GROWTH_MB_LIMIT


def test_a_dripped_body_is_answered_408():
    with InProcessTarget(body_read_timeout=0.5) as target:
        token = next(p.token for p in target.principals.values() if p.token)
        host, port = target.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(
                f"POST {CREATE.path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode()
            )
            answer = sock.recv(65536).decode("latin-1")
        assert answer.startswith("HTTP/1.1 408"), answer


def test_connections_past_the_cap_are_answered_503_and_served_again_when_freed():
    with InProcessTarget() as target:
        host, port = target.base_url.removeprefix("http://").split(":")
        held = [socket.create_connection((host, int(port)), timeout=10) for _ in range(MAX_CONCURRENCY)]
        try:
            assert requests.get(target.base_url + CREATE.path, timeout=10).status_code == 503
        finally:
            for sock in held:
                sock.close()
        statuses = set()
        for _ in range(50):  # the server notices the closed connections on its own time
            statuses.add(status := requests.get(target.base_url + CREATE.path, timeout=10).status_code)
            if status == 401:
                break
            threading.Event().wait(0.1)
        assert 401 in statuses


def test_issued_tokens_are_evicted(monkeypatch):
    monkeypatch.setattr(credentials, "MAX_ISSUED", 5)
    now = [0.0]
    principals = generate_principals()
    client = next(p for p in principals.values() if p.uses_client_credentials)
    known = credentials.Credentials(principals, token_ttl=10, clock=lambda: now[0])
    tokens = [known.issue(client) for _ in range(8)]
    assert len(known.issued_tokens()) == 5
    assert known.grant_for(tokens[0]) is None and known.grant_for(tokens[-1]) is not None
    now[0] = 10 + credentials.KEEP_EXPIRED - 1
    known.issue(client)
    assert known.is_expired(known.grant_for(tokens[-1]))  # expired a while ago: still known as expired
    now[0] = 10 + credentials.KEEP_EXPIRED + 1
    known.issue(client)
    assert known.grant_for(tokens[-1]) is None and len(known.issued_tokens()) == 2  # the two recent ones
