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
import importlib
import json
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from recording_proxy import COLLECTION, Recording, RecordingHandler, addressable, json_of, named_id

from suite_runner import run_suite
from webchat_contract import oas30, spec
from webchat_contract.config import Principal
from webchat_contract.reference.principals import permission_sets
from webchat_contract.reference.server import InProcessTarget, target_config_toml

TOOLS = os.environ.get("WEBCHAT_MOCK_TOOLS")
DATA = Path(__file__).parent / "data" / "mocks"
SETTINGS = spec.operation("getWebchatSettings").path
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


@pytest.fixture
def recording_proxy() -> Iterator:
    """``recording_proxy(upstream_port)`` -> (base URL, Recording); stopped when the test ends."""
    servers = []

    def start(upstream_port: int) -> tuple[str, Recording]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
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
        if named_id(entity)
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
    after = [e for e in requests.get(direct + COLLECTION, timeout=10).json() if addressable(e)]
    if after != seeded:  # pre-existing ones changed or gone, or the run's own left behind
        problems["deployments after the run"] = after
    if (found := json_of(requests.get(direct + SETTINGS, timeout=10).content)) != settings:
        problems["settings after the run"] = found
    assert_none(problems, run.reports, recording)


def test_the_example_workflow_runs_the_real_mocks_with_node():
    job = yaml.safe_load((Path(__file__).parents[1] / "examples" / "github-actions.yml").read_text())["jobs"][
        "real-mocks"
    ]
    assert any(step.get("uses", "").startswith("actions/setup-node") for step in job["steps"])
    assert any(step.get("run", "").startswith("tox -e mocks") for step in job["steps"])


# --- the judgement of those runs, shown to fail without the tools ---------------------------------------------------


def token_holding(target: InProcessTarget, permission: str) -> dict[str, str]:
    token = next(p.token for p in target.principals.values() if p.token and permission in p.permissions)
    return {"Authorization": f"Bearer {token}"}


def test_the_recording_proxy_sees_unsafe_requests_and_writes_to_what_existed(recording_proxy):
    """Before a CRUD mock that deletes the whole collection, the proxy names what the suite must never send."""
    create, delete = (spec.operation(name) for name in ("postWebchatDeployments", "deleteWebchatDeployment"))
    with InProcessTarget(misbehaviours=["collection-writes"]) as target:
        existing = requests.post(
            target.base_url + COLLECTION, json={}, headers=token_holding(target, create.permission)
        )
        base_url, recording = recording_proxy(urlsplit(target.base_url).port)
        created = requests.post(base_url + COLLECTION, json={}, headers=token_holding(target, create.permission))
        requests.put(f"{base_url}{COLLECTION}/{existing.json()['id']}", json={})  # 401: a write all the same
        requests.delete(
            f"{base_url}{COLLECTION}/{created.json()['id']}", headers=token_holding(target, delete.permission)
        )
        requests.delete(base_url + COLLECTION)
    assert recording.created_ids() == recording.deleted_ids() == {created.json()["id"]}
    assert recording.writes_to({existing.json()["id"]}) == [f"PUT {COLLECTION}/{existing.json()['id']} -> 401"]
    assert recording.unsafe_on_collection() == [f"DELETE {COLLECTION} -> 204"]


def test_an_exception_of_the_suite_is_told_from_a_failed_check():
    traceback = "E   webchat_contract.violations.ContractViolation: expected 404\nE   KeyError: 'id'\n"
    assert suite_errors(traceback) == ["KeyError"]
    assert suite_errors("E   AssertionError: expected 404\n") == []
