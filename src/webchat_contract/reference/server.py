"""Serving the reference target: on a socket of its own, as a ready target config, or as a managed subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from webchat_contract import config as config_format
from webchat_contract.config import TargetConfig
from webchat_contract.reference.app import TOKEN_PATH, create_app
from webchat_contract.reference.bodies import BODY_READ_TIMEOUT
from webchat_contract.reference.faults import validate_faults
from webchat_contract.reference.misbehaviours import validate_misbehaviours
from webchat_contract.reference.principals import Principals, generate_principals
from webchat_contract.reporting.files import PRIVATE_FILE_MODE, write_atomically

DEFAULT_TOKEN_TTL = 86400
CONFIG_FILE_NAME = "target.toml"
LOG_FILE_NAME = "target.log"
# EmbeddedTarget tells its server process its own pid here; the server stops once that is no longer its parent.
PARENT_PID_ENV = "WEBCHAT_CONTRACT_PARENT_PID"
PARENT_CHECK_INTERVAL = 1.0  # seconds


class ServeError(Exception):
    """The target cannot be served (bad address, port in use, ...); the message is one line."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free port)."""
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        # proto must say TCP: asyncio sets TCP_NODELAY only on such sockets, and without it every keep-alive
        # response waits ~40 ms for a delayed ACK
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except OSError as error:
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return sock


def base_url_of(sock: socket.socket) -> str:
    """The URL a client on this machine uses to reach the socket (a wildcard address becomes loopback)."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def _stop_on_signals(server: uvicorn.Server) -> Iterator[None]:
    """SIGTERM/SIGINT stop the server gracefully, even before uvicorn has installed its own handlers.

    uvicorn re-raises the signal after its shutdown; it then reaches this handler again, which is harmless,
    instead of the default one (which would kill the process or raise KeyboardInterrupt).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, server.handle_exit) for sig in stop_signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _parent_pid_from_env() -> int | None:
    value = os.environ.get(PARENT_PID_ENV, "")
    return int(value) if value.isdigit() else None


def _stop_when_orphaned(server: uvicorn.Server, parent_pid: int) -> None:
    """Stop the server once ``parent_pid`` is no longer this process's parent (it died, the process was re-parented).

    Polling is portable and, unlike PR_SET_PDEATHSIG, does not fire when merely the parent's starting thread ends.
    """

    def watch() -> None:
        while not server.should_exit:
            if os.getppid() != parent_pid:
                server.should_exit = True
                return
            time.sleep(PARENT_CHECK_INTERVAL)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# connections (and requests in progress) served at once; past it uvicorn answers 503 at once
MAX_CONCURRENCY = 64


def _uvicorn_server(app: ASGIApp, graceful_shutdown: int = 5, configure_logging: bool = True) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        limit_concurrency=MAX_CONCURRENCY,
        log_level="warning",
        log_config=uvicorn.config.LOGGING_CONFIG if configure_logging else None,
        access_log=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=graceful_shutdown,
    )
    return uvicorn.Server(config)


def run_server(
    host: str,
    port: int,
    principals: Principals,
    faults: Iterable[str] = frozenset(),
    token_ttl: int = DEFAULT_TOKEN_TTL,
    on_ready: Callable[[str], None] | None = None,
    *,
    misbehaviours: Iterable[str] = frozenset(),
    parent_pid: int | None = None,
) -> None:
    """Serve the reference target until SIGTERM or SIGINT; ``on_ready(base_url)`` runs once the socket listens.

    With ``parent_pid`` (default: the environment's ``WEBCHAT_CONTRACT_PARENT_PID``), it also stops once that
    process is no longer its parent, so it does not outlive a parent that was killed without stopping it.
    """
    app = create_app(principals, faults=faults, token_ttl=token_ttl, misbehaviours=misbehaviours)
    sock = bind_socket(host, port)
    server = _uvicorn_server(app)
    parent_pid = _parent_pid_from_env() if parent_pid is None else parent_pid
    with sock, _stop_on_signals(server):
        if parent_pid is not None:
            _stop_when_orphaned(server, parent_pid)
        if on_ready is not None:
            on_ready(base_url_of(sock))
        server.run(sockets=[sock])


def target_config_toml(base_url: str, principals: Principals) -> str:
    """A ready target config (TOML) for the suite: the target's URLs and every principal's credentials."""
    config = TargetConfig(
        base_url=base_url,
        token_url=base_url + TOKEN_PATH,
        destructive=True,
        timeout=10.0,
        verify_tls=True,
        principals=dict(principals),
    )
    return config_format.dumps(config)


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` atomically, readable by the owner only: it holds secrets."""
    write_atomically(path, text.encode("utf-8"), mode=PRIVATE_FILE_MODE)


class EmbeddedTargetError(RuntimeError):
    """The embedded target did not start; the message is one line."""


class EmbeddedTarget:
    """The reference target in a subprocess (``python -m webchat_contract serve``), for as long as the context.

    ``workdir`` receives its target config (``config_path``) and its log.
    """

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        *,
        faults: Iterable[str] = (),
        misbehaviours: Iterable[str] = (),
        token_ttl: int | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.faults = tuple(faults)
        self.misbehaviours = tuple(misbehaviours)
        self.token_ttl = token_ttl
        self.startup_timeout = startup_timeout
        self.config_path = self.workdir / CONFIG_FILE_NAME
        self.log_path = self.workdir / LOG_FILE_NAME
        self.base_url: str | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server process's id while it runs (started and not stopped)."""
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "webchat_contract", "serve", "--host", "127.0.0.1", "--port", "0"]
        command += ["--write-config", str(self.config_path)]
        for fault in self.faults:
            command += ["--fault", fault]
        for misbehaviour in self.misbehaviours:
            command += ["--misbehave", misbehaviour]
        if self.token_ttl is not None:
            command += ["--token-ttl", str(self.token_ttl)]
        return command

    def start(self) -> EmbeddedTarget:
        try:
            validate_faults(self.faults)
            validate_misbehaviours(self.misbehaviours)
        except ValueError as error:
            raise EmbeddedTargetError(str(error)) from None
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.unlink(missing_ok=True)
        env = dict(os.environ)
        if os.name == "posix":  # elsewhere a venv's python may be a launcher, the server's parent in between
            env[PARENT_PID_ENV] = str(os.getpid())
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        try:
            self._wait_until_ready(self._process)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while not self.config_path.exists():
            if process.poll() is not None:
                self._fail(f"the reference target exited with status {process.returncode} before it was ready")
            if time.monotonic() > deadline:
                self._fail(f"the reference target was not ready within {self.startup_timeout:g} s")
            time.sleep(0.02)
        self.base_url = tomllib.loads(self.config_path.read_text(encoding="utf-8"))["target"]["base_url"]

    def _fail(self, what: str) -> None:
        raise EmbeddedTargetError(f"{what} (last log line: {self._last_log_line() or '(empty log)'})")

    def _last_log_line(self) -> str:
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            return lines[-1].strip() if lines else ""
        return ""

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedTarget:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class InProcessTarget:
    """The reference target served by uvicorn on a thread of this process, for as long as the context.

    It starts in milliseconds (no process, nothing to import), so tests can afford one per fault. It shares this
    process's GIL and fate, though: to run the suite against the reference target, use ``EmbeddedTarget``.
    """

    def __init__(
        self,
        *,
        faults: Iterable[str] = (),
        misbehaviours: Iterable[str] = (),
        token_ttl: int = DEFAULT_TOKEN_TTL,
        principals: Principals | None = None,
        startup_timeout: float = 10.0,
        body_read_timeout: float = BODY_READ_TIMEOUT,
    ) -> None:
        self.principals = generate_principals() if principals is None else principals
        self.app = create_app(
            self.principals,
            faults=faults,
            token_ttl=token_ttl,
            misbehaviours=misbehaviours,
            body_read_timeout=body_read_timeout,
        )
        self.startup_timeout = startup_timeout
        self.base_url: str | None = None
        # the hosting process's logging is left as it is
        self._server = _uvicorn_server(self.app, graceful_shutdown=1, configure_logging=False)
        self._thread: threading.Thread | None = None

    def start(self) -> InProcessTarget:
        sock = bind_socket("127.0.0.1", 0)
        self.base_url = base_url_of(sock)
        self._thread = threading.Thread(target=self._serve, args=(sock,), name=f"target {self.base_url}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise EmbeddedTargetError(f"the in-process reference target did not start on {self.base_url}")
            time.sleep(0.005)
        return self

    def _serve(self, sock: socket.socket) -> None:
        with sock:
            self._server.run(sockets=[sock])

    def config_toml(self) -> str:
        """A ready target config (TOML) for this target."""
        assert self.base_url is not None, "start the target first"
        return target_config_toml(self.base_url, self.principals)

    def stop(self, timeout: float = 10.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._server.should_exit = True
        thread.join(timeout)

    def __enter__(self) -> InProcessTarget:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
