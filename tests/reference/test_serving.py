"""`webchat-contract serve` and the embedded target: bad options fail in one line, and the server does not
outlive the process that started it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from webchat_contract.reference import EmbeddedTarget, EmbeddedTargetError


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "webchat_contract", "serve", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_serve_with_an_unknown_fault_exits_2_with_one_line() -> None:
    result = _serve("--port", "0", "--fault", "no-such-fault")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unknown fault 'no-such-fault'" in result.stderr


def test_serve_with_an_unknown_misbehaviour_exits_2_with_one_line() -> None:
    result = _serve("--port", "0", "--misbehave", "no-such-mode")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unknown misbehaviour 'no-such-mode'" in result.stderr


def test_serve_on_a_port_in_use_exits_2_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _serve("--port", str(taken.getsockname()[1]))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot listen" in result.stderr


def test_serve_with_a_bad_port_exits_2_with_one_line() -> None:
    result = _serve("--port", "70000")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_embedded_target_with_an_unknown_fault_raises_one_line(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedTargetError, match="unknown fault") as raised:
        EmbeddedTarget(tmp_path, faults=["no-such-fault"]).start()
    assert "\n" not in str(raised.value)


# --- the embedded target does not outlive its parent ------------------------------------------------------------

# Starts an embedded target, prints its pid and URL, and dies without stopping it.
ORPHANING_SCRIPT = """
import os, signal, sys
from webchat_contract.reference import EmbeddedTarget
target = EmbeddedTarget(sys.argv[1]).start()
print(target.pid, target.base_url, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _accepts_connections(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def _stops_accepting_connections(host: str, port: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while _accepts_connections(host, port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_the_server_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    command = [sys.executable, "-c", ORPHANING_SCRIPT, str(tmp_path)]
    parent = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert parent.returncode == -signal.SIGKILL, parent.stderr
    pid, base_url = parent.stdout.split()
    url = urlsplit(base_url)
    assert url.hostname and url.port
    stopped = _stops_accepting_connections(url.hostname, url.port, within=10)
    if not stopped:
        os.kill(int(pid), signal.SIGKILL)  # the orphan we started, still serving
    assert stopped, "the reference target outlived the process that started it"
