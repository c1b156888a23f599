"""The suite against real third-party mock tools installed from npm (``tox -e mocks``): a Prism 5 mock of the
project's own OpenAPI document and a Mockoon CRUD environment.

Each run must complete, leave every deployment that existed before it untouched and nothing of its own behind,
never report a failure of the suite's own code, and fail exactly the requirements that mock really breaks
(``KNOWN_DEVIATIONS``). A recording proxy between the suite and the mock sees every exchange, so a write to what
the run did not create is caught even on a stateless mock. Skipped unless ``WEBCHAT_MOCK_TOOLS`` names the npm
prefix holding ``@stoplight/prism-cli`` and ``@mockoon/cli``.
"""

from __future__ import annotations

import builtins
import http.client
import importlib
import json
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests
import yaml

from suite_runner import run_suite
from webchat_contract import oas30, spec
from webchat_contract.cleanup import addressable_id
from webchat_contract.config import Principal
from webchat_contract.reference.principals import permission_sets
from webchat_contract.reference.server import target_config_toml

TOOLS = os.environ.get("WEBCHAT_MOCK_TOOLS")
DATA = Path(__file__).parent / "data" / "mocks"
COLLECTION = spec.operation("postWebchatDeployments").path
SETTINGS = spec.operation("getWebchatSettings").path
SAFE_ON_COLLECTION = {"GET", "HEAD", "OPTIONS", "POST"}
WRITES = {"PUT", "DELETE", "PATCH"}
# the exception lines of pytest's tracebacks: "E   package.module.Name: message"
RAISED = re.compile(r"^E\s+([A-Za-z_][\w.]*): ", re.MULTILINE)
STARTUP_SECONDS = 90

# A static Prism mock (`prism mock`) of the document: answers the same example whatever was sent or stored. Once a
# DELETE is seen to keep what it deleted, the run creates no more deployments (they would pile up on a real target):
# what needs one (create, round trip, update, read-only ids) is not verified then.
PRISM = {
    "WC-AUTH-401",  # checks only that credentials are present: a token it does not know gets 200
    "WC-AUTH-403",  # never refuses a permission
    "WC-RESP-ERROR-BODY",  # every ErrorBody has "status": -2147483648
    "WC-DEP-NOT-FOUND",  # GET, PUT and DELETE of any id succeed
    "WC-DEP-LIST",  # total is -9007199254740991 for one entity
    "WC-SET-UPDATE",  # PUT settings answers requireDeployment true whatever was sent
}

# What each mock really breaks (CONTRACT.md), as the requirements a run must fail: exactly these, nothing else.
KNOWN_DEVIATIONS: dict[str, set[str]] = {
    # every POST answers the id "string" the list also shows: a deployment that existed before the run, so the
    # suite never takes it for its own (and never deletes it)
    "prism": PRISM | {"WC-DEP-CREATE"},
    # --dynamic with a seed: other values (ErrorBody status 1901615259, ids with spaces); a new id per POST, and
    # after a DELETE answered 204, GET still answers the deployment
    "prism-dynamic": PRISM | {"WC-DEP-DELETE"},
    # a CRUD route per resource over a data bucket: stores any body as it came, without authentication
    "mockoon": {
        "WC-AUTH-401",  # no authentication at all
        "WC-AUTH-403",  # no permission checks
        "WC-RESP-SUCCESS",  # POST answers 201, the DELETEs 200 {}, the list is a bare array, settings GET '' after DELETE
        "WC-DEP-CREATE",  # numbers as ids once a body carried a numeric id
        "WC-DEP-READ-ONLY-IDS",  # POST keeps a client-supplied id; PUT replaces the id with the body's
        "WC-VAL-BODY",  # stores any body: not JSON, not an object, wrong types
        "WC-VAL-MISSING-BODY",  # stores an empty body
        "WC-VAL-UNKNOWN-FIELDS",  # stores unknown fields and answers them back
        "WC-SDK-COMPAT",  # the bare-array list breaks the official SDK's WebChatDeploymentEntityListing
    },
}

needs_tools = pytest.mark.skipif(
    not TOOLS, reason="WEBCHAT_MOCK_TOOLS is not set to the npm prefix of the mock tools (tox -e mocks sets it)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tool(name: str) -> str:
    path = Path(TOOLS or "") / "node_modules" / ".bin" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: install the mock tools with tox -e mocks")
    return str(path)


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
            if e.method == "POST" and e.path == COLLECTION and 200 <= e.status < 300 and _named_id(e.body)
        }

    def unsafe_on_collection(self) -> list[str]:
        return [f"{e.method} {e.path} -> {e.status}" for e in self.exchanges if _on_collection(e) and not _safe(e)]

    def writes_to(self, ids: set[str]) -> list[str]:
        return [
            f"{e.method} {e.path} -> {e.status}" for e in self.exchanges if e.method in WRITES and _id_of(e.path) in ids
        ]

    def deleted_ids(self) -> set[str]:
        return {_id_of(e.path) for e in self.exchanges if e.method == "DELETE" and 200 <= e.status < 300} - {None}


def _named_id(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("id"), str) and body["id"] != ""


def _addressable(entry: Any) -> bool:
    return isinstance(entry, dict) and addressable_id(entry.get("id")) is not None


def _on_collection(exchange: Exchange) -> bool:
    return exchange.path.rstrip("/") == COLLECTION


def _safe(exchange: Exchange) -> bool:
    return exchange.method in SAFE_ON_COLLECTION


def _id_of(path: str) -> str | None:
    prefix = COLLECTION + "/"
    return unquote(path[len(prefix) :]) if path.startswith(prefix) else None


class _Forward(BaseHTTPRequestHandler):
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
        self.server.recording.add(Exchange(self.command, urlsplit(self.path).path, answer.status, _json(content)))
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


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


@pytest.fixture
def recording_proxy() -> Iterator:
    """``recording_proxy(upstream_port)`` -> (base URL, Recording); stopped when the test ends."""
    servers = []

    def start(upstream_port: int) -> tuple[str, Recording]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Forward)
        server.daemon_threads = True
        server.upstream_port = upstream_port
        server.recording = Recording()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", server.recording

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mock_tool(tmp_path) -> Iterator:
    """``mock_tool(command, port)``: start a mock tool, wait until it answers; stopped when the test ends."""
    processes = []

    def start(command: list[str], port: int) -> None:
        with (tmp_path / "tool.log").open("wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
        processes.append(process)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"{command[0]} exited: {(tmp_path / 'tool.log').read_text()[-2000:]}")
            try:
                requests.get(f"http://127.0.0.1:{port}{SETTINGS}", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.5)
        pytest.fail(f"{command[0]} did not answer within {STARTUP_SECONDS} s")

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def config_for(base_url: str, path: Path) -> Path:
    """A target config with one principal of each kind, each with its own static token (mocks accept any)."""
    principals = {
        name: Principal(name, frozenset(permissions), token=f"mock-token-of-{name}")
        for name, permissions in permission_sets().items()
    }
    path.write_text(target_config_toml(base_url, principals))
    return path


def oas30_document(path: Path) -> Path:
    """The contract's document as OpenAPI 3.0 (``webchat-contract openapi --oas 3.0``): Prism 5 validates request
    bodies only for 3.0 documents."""
    path.write_text(json.dumps(oas30.to_oas30()))
    return path


def suite_errors(failure: str) -> list[str]:
    """The exceptions in a failure's traceback that are not a failed check: the suite's own code broke."""
    return [name for name in RAISED.findall(failure) if _is_exception(name) and not _is_check_failure(name)]


def _resolve(name: str) -> Any:
    module, _, attribute = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module) if module else builtins, attribute, None)
    except ImportError:
        return None


def _is_exception(name: str) -> bool:
    found = _resolve(name)
    return isinstance(found, type) and issubclass(found, BaseException)


def _is_check_failure(name: str) -> bool:
    return issubclass(_resolve(name), AssertionError)  # a violation is one (violations.ContractViolation)


def problems_of(run, recording: Recording, preexisting: set[str], known: set[str]) -> dict[str, Any]:
    """Everything this run did wrong, by kind (empty when it did nothing wrong), to be reported all at once."""
    problems = {
        "did not complete": run.output[-3000:] if run.returncode not in (0, 1) else None,
        "errors": run.with_outcome("error"),
        "suite errors": {n: run.messages[n][-2000:] for n in run.failed if suite_errors(run.messages[n])},
        "unsafe requests on the collection": recording.unsafe_on_collection(),
        "writes to pre-existing deployments": recording.writes_to(preexisting - recording.created_ids()),
        "unexpected failed requirements": sorted(run.failing_requirements() - known),
        "known deviations not found": sorted(known - run.failing_requirements()),
    }
    return {kind: found for kind, found in problems.items() if found}


def assert_none(problems: dict[str, Any], reports: Path, recording: Recording) -> None:
    """No problem; else a short summary, the whole of them in ``problems.json`` beside the run's reports (and
    every exchange the mock saw in ``exchanges.jsonl``)."""
    lines = (json.dumps([e.method, e.path, e.status]) for e in recording.exchanges)
    (reports / "exchanges.jsonl").write_text("\n".join(lines) + "\n")
    (reports / "problems.json").write_text(json.dumps(problems, indent=1, default=str))
    summary = {kind: found[:5] if isinstance(found, list) else found for kind, found in problems.items()}
    assert not problems, f"see {reports / 'problems.json'}: " + json.dumps(summary, default=str)[:3000]


PRISM_MODES = {"prism": [], "prism-dynamic": ["--dynamic", "--seed", "webchat"]}


@needs_tools
@pytest.mark.parametrize("mode", PRISM_MODES)
def test_prism_mock_of_the_openapi_document(mode, mock_tool, recording_proxy, tmp_path):
    port = free_port()
    document = oas30_document(tmp_path / "openapi-3.0.json")
    command = [tool("prism"), "mock", *PRISM_MODES[mode], "--host", "127.0.0.1", "--port", str(port), str(document)]
    mock_tool(command, port)
    base_url, recording = recording_proxy(port)

    run = run_suite(tmp_path / "reports", f"--target-config={config_for(base_url, tmp_path / 'prism.toml')}")

    # a stateless mock: what existed before is whatever it lists that the run did not create
    listed = {
        entity["id"]
        for e in recording.exchanges
        if e.method == "GET" and e.path == COLLECTION and isinstance(e.body, dict)
        for entity in e.body.get("entities") or []
        if _named_id(entity)
    }
    problems = problems_of(run, recording, listed, KNOWN_DEVIATIONS[mode])
    left = recording.created_ids() - recording.deleted_ids() - listed  # what was listed is not the run's to delete
    assert_none(problems | ({"left behind": sorted(left)} if left else {}), run.reports, recording)


PREEXISTING = [
    {"name": "pre-existing support chat", "allowedDomains": ["example.com"], "webChatConfig": {"webChatSkin": "basic"}},
    {"name": "pre-existing sales chat", "description": "not the suite's", "disabled": True},
]


@needs_tools
def test_mockoon_crud_environment(mock_tool, recording_proxy, tmp_path):
    port = free_port()
    environment = DATA / "mockoon-crud.json"
    command = [tool("mockoon-cli"), "start", "--data", str(environment), "--port", str(port)]
    mock_tool([*command, "--hostname", "127.0.0.1", "--disable-log-to-file", "--disable-admin-api"], port)
    direct = f"http://127.0.0.1:{port}"
    seeded = [requests.post(direct + COLLECTION, json=body, timeout=10).json() for body in PREEXISTING]
    settings = requests.get(direct + SETTINGS, timeout=10).json()
    base_url, recording = recording_proxy(port)

    run = run_suite(tmp_path / "reports", f"--target-config={config_for(base_url, tmp_path / 'mockoon.toml')}")

    problems = problems_of(run, recording, {d["id"] for d in seeded}, KNOWN_DEVIATIONS["mockoon"])
    # what the mock stores under an id no URL can name (a PUT body's "id": {} replaces it) nobody can delete
    after = [e for e in requests.get(direct + COLLECTION, timeout=10).json() if _addressable(e)]
    if after != seeded:  # pre-existing ones changed or gone, or the run's own left behind
        problems["deployments after the run"] = after
    if (found := _json(requests.get(direct + SETTINGS, timeout=10).content)) != settings:
        problems["settings after the run"] = found
    assert_none(problems, run.reports, recording)


def test_the_example_workflow_runs_the_real_mocks_with_node():
    job = yaml.safe_load((Path(__file__).parents[1] / "examples" / "github-actions.yml").read_text())["jobs"][
        "real-mocks"
    ]
    assert any(step.get("uses", "").startswith("actions/setup-node") for step in job["steps"])
    assert any(step.get("run", "").startswith("tox -e mocks") for step in job["steps"])
