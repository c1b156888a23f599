"""The embedded reference target, exercised over HTTP as the suite would: it must implement CONTRACT.md strictly,
each fault switch must really change its behaviour, each misbehaviour must do what it says, and the server must
not outlive the process that started it.

The clean target runs in a subprocess (EmbeddedTarget), as the suite runs it; the faulty and misbehaving variants
run on threads of this process (InProcessTarget), which start fast enough to afford a fresh one per test.

Run with ``pytest tests/test_reference_target.py -p no:webchat_contract`` if the plugin gets in the way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from webchat_contract import spec
from webchat_contract.reference import (
    FAULTS,
    MISBEHAVIOURS,
    EmbeddedTarget,
    EmbeddedTargetError,
    InProcessTarget,
    validate_misbehaviours,
)
from webchat_contract.reference.faults import wrong_permission_for
from webchat_contract.reference.hostile import HOSTILE
from webchat_contract.reference.principals import short_verb

LIST = spec.operation("getWebchatDeployments")
CREATE = spec.operation("postWebchatDeployments")
GET = spec.operation("getWebchatDeployment")
UPDATE = spec.operation("putWebchatDeployment")
DELETE = spec.operation("deleteWebchatDeployment")
GET_SETTINGS = spec.operation("getWebchatSettings")
PUT_SETTINGS = spec.operation("putWebchatSettings")
DELETE_SETTINGS = spec.operation("deleteWebchatSettings")

SAMPLE_BODIES = {
    "WebChatDeployment": {
        "name": "reference check",
        "description": "made by tests/test_reference_target.py",
        "authenticationRequired": True,
        "authenticationUrl": "https://auth.example.com/webchat",
        "disabled": False,
        "webChatConfig": {"webChatSkin": "modern-caret-skin"},
        "allowedDomains": ["b.example.com", "a.example.com"],
        "flow": {"id": "flow-1", "name": "Inbound", "selfUri": "/api/v2/flows/flow-1"},
    },
    "WebChatSettings": {"requireDeployment": True},
}
# What a careless target gets wrong: padded strings, an unsorted array, ids in a nested object.
TRICKY_DEPLOYMENT = {**SAMPLE_BODIES["WebChatDeployment"], "name": "  padded name\t"}
NO_BODY = object()
DEPLOYMENT_LIMIT = 10  # create_app's default, which `serve` uses


class Api:
    """A thin HTTP client for one running target, holding a token for every principal of its config."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.base_url = self.config["target"]["base_url"]
        self.token_url = self.config["target"]["token_url"]
        self.tokens = {name: p["token"] for name, p in self.config["principals"].items() if "token" in p}
        self.tokens["admin"] = self.fetch_token()

    @classmethod
    def of(cls, target: EmbeddedTarget | InProcessTarget) -> Api:
        if isinstance(target, EmbeddedTarget):
            return cls(tomllib.loads(target.config_path.read_text(encoding="utf-8")))
        return cls(tomllib.loads(target.config_toml()))

    def login(self, client_id: str, client_secret: str, data: Any = None, **kwargs: Any) -> requests.Response:
        data = {"grant_type": "client_credentials"} if data is None else data
        return requests.post(self.token_url, auth=(client_id, client_secret), data=data, timeout=10, **kwargs)

    def fetch_token(self) -> str:
        admin = self.config["principals"]["admin"]
        response = self.login(admin["client_id"], admin["client_secret"])
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def request(
        self,
        op: spec.Operation,
        principal: str | None = "admin",
        deployment_id: str | None = None,
        body: Any = NO_BODY,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Call an operation as ``principal``: a principal's name, a raw token (any other string) or None (no
        Authorization header). An operation with a body gets a sample body unless ``body`` or ``data`` is given."""
        all_headers = {} if principal is None else {"Authorization": f"Bearer {self.tokens.get(principal, principal)}"}
        all_headers.update(headers or {})
        if body is NO_BODY and op.request_model and "data" not in kwargs:
            body = SAMPLE_BODIES[op.request_model]
        if body is not NO_BODY:
            kwargs["json"] = body
        if op.has_path_id and deployment_id is None:
            deployment_id = self.create()["id"]
        url = self.base_url + op.url_path(deployment_id)
        kwargs.setdefault("timeout", 10)
        return requests.request(op.method, url, headers=all_headers, **kwargs)

    def create(self, body: Any = NO_BODY) -> dict[str, Any]:
        response = self.request(CREATE, body=body)
        assert response.status_code == 200, response.text
        return response.json()

    def deployments(self) -> list[dict[str, Any]]:
        response = self.request(LIST)
        assert response.status_code == 200, response.text
        return response.json()["entities"]

    def reset(self) -> None:
        for deployment in self.deployments():
            assert self.request(DELETE, deployment_id=deployment["id"]).status_code == 204
        assert self.request(DELETE_SETTINGS).status_code == 204


def assert_error(response: requests.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    uuid.UUID(body["contextId"])
    if code is not None:
        assert body["code"] == code
    return body


def deployment_fields(deployment: dict[str, Any]) -> dict[str, Any]:
    return {name: deployment[name] for name in spec.writable_fields("WebChatDeployment") if name in deployment}


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def starter() -> Iterator[ThreadPoolExecutor]:
    """Starts targets in the background: starting one is mostly import time, so they start two at a time."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        yield pool


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory, starter: ThreadPoolExecutor) -> Iterator[Callable[..., Future]]:
    """``started(name, **options)`` -> a future EmbeddedTarget; all are stopped at the end of the module."""
    targets: list[EmbeddedTarget] = []

    def start(name: str, **options: Any) -> Future:
        target = EmbeddedTarget(tmp_path_factory.mktemp(name.replace(":", "-")), **options)
        targets.append(target)
        return starter.submit(target.start)

    yield start
    for target in targets:
        target.stop()


@pytest.fixture(scope="module")
def short_lived_target(started: Callable[..., Future]) -> Future:
    return started("short-ttl", token_ttl=1)


@pytest.fixture(scope="module")
def faulty_misbehaving_target(started: Callable[..., Future]) -> Future:
    return started("faulty-misbehaving", faults=["wrong-total"], misbehaviours=["throttle"])


@pytest.fixture(scope="module")
def clean_api(request: pytest.FixtureRequest, started: Callable[..., Future]) -> Api:
    clean = started("clean")
    # Queued behind the clean target, the others start while the tests against the clean one run.
    request.getfixturevalue("short_lived_target")
    request.getfixturevalue("faulty_misbehaving_target")
    target = clean.result()
    assert target.base_url and target.base_url.startswith("http://127.0.0.1:")
    return Api.of(target)


@pytest.fixture(scope="module")
def stopper() -> Iterator[ThreadPoolExecutor]:
    """Stops in-process targets in the background (each takes a few tenths of a second); waits for all at the end."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        yield pool


@pytest.fixture
def serve(stopper: ThreadPoolExecutor) -> Iterator[Callable[..., InProcessTarget]]:
    """``serve(faults=..., misbehaviours=...)`` -> a started in-process target, stopped after the test."""
    targets: list[InProcessTarget] = []

    def start(**options: Any) -> InProcessTarget:
        target = InProcessTarget(**options).start()
        targets.append(target)
        return target

    yield start
    for target in targets:
        stopper.submit(target.stop)


@pytest.fixture
def api(clean_api: Api) -> Iterator[Api]:
    clean_api.reset()
    yield clean_api
    clean_api.reset()


# --- the token endpoint -----------------------------------------------------------------------------------------


def test_token_endpoint_issues_a_working_bearer_token(api: Api) -> None:
    admin = api.config["principals"]["admin"]
    response = api.login(admin["client_id"], admin["client_secret"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    grant = response.json()
    assert grant["token_type"] == "bearer"
    assert isinstance(grant["expires_in"], int) and grant["expires_in"] > 0
    api.tokens["fresh"] = grant["access_token"]
    assert api.request(LIST, principal="fresh").status_code == 200


@pytest.mark.parametrize("wrong", ["client_id", "client_secret"])
def test_token_endpoint_rejects_bad_client_credentials(api: Api, wrong: str) -> None:
    credentials = dict(api.config["principals"]["admin"])
    credentials[wrong] += "x"
    response = api.login(credentials["client_id"], credentials["client_secret"])
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["description"] and body["error_description"]


def test_token_endpoint_without_basic_auth_is_401(api: Api) -> None:
    response = requests.post(api.token_url, data={"grant_type": "client_credentials"}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("data", [{"grant_type": "password"}, {}], ids=["wrong-grant-type", "no-grant-type"])
def test_token_endpoint_rejects_other_grant_types(api: Api, data: dict[str, str]) -> None:
    admin = api.config["principals"]["admin"]
    response = api.login(admin["client_id"], admin["client_secret"], data=data)
    assert response.status_code == 400
    assert set(response.json()) >= {"error", "description", "error_description"}


def test_static_token_principals_have_no_client_credentials(api: Api) -> None:
    for name, principal in api.config["principals"].items():
        if name != "admin":
            assert set(principal) == {"permissions", "token"}


def test_expired_token_gets_credentials_expired(short_lived_target: Future) -> None:
    short_lived = Api.of(short_lived_target.result())
    time.sleep(1.5)
    assert_error(short_lived.request(LIST), 401, "credentials.expired")


# --- happy paths ------------------------------------------------------------------------------------------------


def test_list_starts_empty(api: Api) -> None:
    response = api.request(LIST)
    assert response.status_code == 200
    assert response.json() == {"entities": [], "total": 0, "selfUri": LIST.path}


def test_post_stores_and_answers_the_writable_fields(api: Api) -> None:
    sample = SAMPLE_BODIES["WebChatDeployment"]
    response = api.request(CREATE)
    assert response.status_code == CREATE.success_status
    assert response.headers["content-type"].startswith("application/json")
    created = response.json()
    assert created["id"]
    assert created["selfUri"] == GET.url_path(created["id"])
    assert deployment_fields(created) == sample
    fetched = api.request(GET, deployment_id=created["id"])
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_put_replaces_and_get_answers_the_same(api: Api) -> None:
    created = api.create()
    update = {"name": "renamed", "allowedDomains": ["z.example.com"], "webChatConfig": {"webChatSkin": "basic"}}
    response = api.request(UPDATE, deployment_id=created["id"], body=update)
    assert response.status_code == 200
    updated = response.json()
    assert updated["id"] == created["id"] and updated["selfUri"] == created["selfUri"]
    assert deployment_fields(updated) == update
    assert api.request(GET, deployment_id=created["id"]).json() == updated


def test_delete_answers_204_without_body_and_the_deployment_is_gone(api: Api) -> None:
    created = api.create()
    response = api.request(DELETE, deployment_id=created["id"])
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    for op in (GET, UPDATE, DELETE):
        assert_error(api.request(op, deployment_id=created["id"]), 404, "not.found")
    assert api.deployments() == []


def test_list_holds_every_deployment_in_creation_order(api: Api) -> None:
    created = [api.create({"name": f"d{i}"})["id"] for i in range(3)]
    listing = api.request(LIST).json()
    assert [d["id"] for d in listing["entities"]] == created
    assert listing["total"] == 3
    assert listing["selfUri"] == LIST.path


def test_settings_put_get_delete(api: Api) -> None:
    assert api.request(GET_SETTINGS).json() == {}
    response = api.request(PUT_SETTINGS, body={"requireDeployment": True})
    assert response.status_code == 200
    assert response.json() == {"requireDeployment": True}
    assert api.request(GET_SETTINGS).json() == {"requireDeployment": True}
    deleted = api.request(DELETE_SETTINGS)
    assert deleted.status_code == 204 and deleted.content == b""
    assert api.request(GET_SETTINGS).json() == {}


# --- what a body may hold ---------------------------------------------------------------------------------------


def test_unknown_fields_are_dropped_also_nested(api: Api) -> None:
    body = {
        "name": "n",
        "unknown": 1,
        "webChatConfig": {"webChatSkin": "basic", "color": "red"},
        "flow": {"id": "f", "version": 3},
    }
    created = api.create(body)
    assert "unknown" not in created
    assert created["webChatConfig"] == {"webChatSkin": "basic"}
    assert created["flow"] == {"id": "f"}
    assert api.request(GET, deployment_id=created["id"]).json() == created
    settings = api.request(PUT_SETTINGS, body={"requireDeployment": False, "other": True}).json()
    assert settings == {"requireDeployment": False}


def test_id_and_self_uri_in_a_body_are_ignored(api: Api) -> None:
    first = api.create()
    second = api.create({"name": "copy", "id": first["id"], "selfUri": first["selfUri"]})
    assert second["id"] != first["id"]
    assert second["selfUri"] == GET.url_path(second["id"])
    assert api.request(GET, deployment_id=first["id"]).json() == first
    other = api.create({"name": "other"})
    body = {"name": "changed", "id": other["id"], "selfUri": other["selfUri"]}
    updated = api.request(UPDATE, deployment_id=first["id"], body=body).json()
    assert updated["id"] == first["id"] and updated["name"] == "changed"
    assert api.request(GET, deployment_id=other["id"]).json() == other


def test_put_never_creates(api: Api) -> None:
    assert_error(api.request(UPDATE, deployment_id=str(uuid.uuid4())), 404, "not.found")
    assert api.deployments() == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": None}, "name"),
        ({"name": 5}, "name"),
        ({"disabled": "yes"}, "disabled"),
        ({"webChatConfig": {"webChatSkin": "dark"}}, "webChatConfig.webChatSkin"),
        ({"webChatConfig": "basic"}, "webChatConfig"),
        ({"allowedDomains": "a.example.com"}, "allowedDomains"),
        ({"allowedDomains": ["a.example.com", 7]}, "allowedDomains[1]"),
        ({"flow": {"id": 1}}, "flow.id"),
    ],
)
def test_a_body_that_does_not_fit_the_model_is_400_naming_the_field(api: Api, body: Any, field: str) -> None:
    for op, deployment_id in ((CREATE, None), (UPDATE, api.create()["id"])):
        error = assert_error(api.request(op, deployment_id=deployment_id, body=body), 400, "invalid.value")
        assert field in [detail["fieldName"] for detail in error["details"]]
    assert len(api.deployments()) == 1


@pytest.mark.parametrize(
    "data, status",
    [(b"", 400), (b"{", 400), (b"[]", 400), (b'"text"', 400), (b"null", 400), (b'{"name": NaN}', 400)],
    ids=["empty", "not-json", "array", "string", "null", "nan"],
)
def test_a_body_that_is_no_json_object_is_400(api: Api, data: bytes, status: int) -> None:
    response = api.request(CREATE, data=data, headers={"Content-Type": "application/json"})
    assert_error(response, status)
    assert_error(api.request(PUT_SETTINGS, data=data, headers={"Content-Type": "application/json"}), status)
    assert api.deployments() == []


def test_missing_body_without_content_type_is_400(api: Api) -> None:
    assert_error(api.request(CREATE, data=b""), 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_sent_as_json_is_415(api: Api, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.request(CREATE, data=b'{"name": "x"}', headers=headers)
    assert_error(response, 415, "unsupported.media.type")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/merge-patch+json"])
def test_json_media_types_with_parameters_or_suffix_are_accepted(api: Api, content_type: str) -> None:
    response = api.request(CREATE, data=b'{"name": "x"}', headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text


def test_a_body_over_one_mebibyte_is_413(api: Api) -> None:
    data = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    response = api.request(CREATE, data=data, headers={"Content-Type": "application/json"})
    assert_error(response, 413, "request.entity.too.large")
    assert api.deployments() == []


def test_strings_round_trip_exactly(api: Api) -> None:
    name = 'caf\u00e9 \u2603 \U0001f600 \ud800 "quoted" \\ \n\t\u0000'
    created = api.create({"name": name, "allowedDomains": ["b", "a", "b"]})
    fetched = api.request(GET, deployment_id=created["id"]).json()
    assert fetched["name"] == name
    assert fetched["allowedDomains"] == ["b", "a", "b"]


def test_malformed_uri_is_not_rejected(api: Api) -> None:
    created = api.create({"flow": {"selfUri": "not a uri at all ::"}})
    assert created["flow"] == {"selfUri": "not a uri at all ::"}


def test_the_deployment_limit_is_409_with_the_limit(api: Api) -> None:
    for i in range(DEPLOYMENT_LIMIT):
        api.create({"name": f"d{i}"})
    error = assert_error(api.request(CREATE), 409, "maximum.deployments.exceeded")
    assert error["message"] == f"No more than {DEPLOYMENT_LIMIT} deployments allowed"
    assert error["limit"]["value"] == DEPLOYMENT_LIMIT
    assert {"key", "namespace"} <= set(error["limit"])
    assert len(api.deployments()) == DEPLOYMENT_LIMIT


# --- authentication and permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("op", spec.operations(), ids=lambda op: op.operation_id)
def test_no_authorization_header_is_401(api: Api, op: spec.Operation) -> None:
    assert_error(api.request(op, principal=None), 401, "authentication.required")


@pytest.mark.parametrize("header", ["Bearer not-a-known-token", "Basic YTpi", "Bearer", "token"])
def test_unknown_or_malformed_credentials_are_401(api: Api, header: str) -> None:
    assert_error(api.request(LIST, principal=None, headers={"Authorization": header}), 401, "bad.credentials")


@pytest.mark.parametrize("op", spec.operations(), ids=lambda op: op.operation_id)
def test_every_principal_gets_exactly_what_its_permissions_allow(api: Api, op: spec.Operation) -> None:
    for name, principal in api.config["principals"].items():
        before = (api.deployments(), api.request(GET_SETTINGS).json())
        deployment_id = api.create()["id"] if op.has_path_id else None
        response = api.request(op, principal=name, deployment_id=deployment_id)
        if op.permission in principal["permissions"]:
            assert response.status_code == op.success_status, (name, response.text)
        else:
            assert_error(response, 403, "missing.any.permissions")
            if deployment_id:
                assert api.request(GET, deployment_id=deployment_id).status_code == 200
            else:
                assert (api.deployments(), api.request(GET_SETTINGS).json()) == before
        api.reset()


@pytest.mark.parametrize("op", [op for op in spec.operations() if op.request_model], ids=lambda op: op.operation_id)
def test_401_and_403_come_before_body_validation(api: Api, op: spec.Operation) -> None:
    deployment_id = api.create()["id"] if op.has_path_id else None
    bad = {"data": b"{", "headers": {"Content-Type": "application/json"}}
    assert_error(api.request(op, principal=None, deployment_id=deployment_id, **bad), 401)
    lacking = f"all-but-{short_verb(op.permission)}"
    assert_error(api.request(op, principal=lacking, deployment_id=deployment_id, **bad), 403)
    assert_error(api.request(op, principal="admin", deployment_id=deployment_id, **bad), 400)


@pytest.mark.parametrize("op", [op for op in spec.operations() if op.has_path_id], ids=lambda op: op.operation_id)
def test_401_and_403_come_before_the_lookup(api: Api, op: spec.Operation) -> None:
    unknown = str(uuid.uuid4())
    assert_error(api.request(op, principal=None, deployment_id=unknown), 401)
    lacking = f"all-but-{short_verb(op.permission)}"
    assert_error(api.request(op, principal=lacking, deployment_id=unknown), 403)
    assert_error(api.request(op, principal="admin", deployment_id=unknown), 404, "not.found")


def test_invalid_body_to_unknown_id_is_400_or_404(api: Api) -> None:
    response = api.request(UPDATE, deployment_id=str(uuid.uuid4()), body={"name": 1})
    assert response.status_code in (400, 404)


# --- paths and methods ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v2/webchat", "/api/v2/webchat/deployments/", "/nowhere"])
def test_unknown_paths_are_404_error_bodies(api: Api, path: str) -> None:
    assert_error(requests.get(api.base_url + path, timeout=10), 404, "not.found")


@pytest.mark.parametrize("path", sorted({op.path for op in spec.operations()}))
def test_undocumented_methods_are_405_error_bodies(api: Api, path: str) -> None:
    documented = {op.method for op in spec.operations() if op.path == path}
    url = api.base_url + path.replace("{deploymentId}", str(uuid.uuid4()))
    for method in sorted({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} - documented):
        response = requests.request(method, url, headers={"Authorization": f"Bearer {api.tokens['admin']}"}, timeout=10)
        assert_error(response, 405)


# --- fault switches ---------------------------------------------------------------------------------------------


def _lacking(op: spec.Operation) -> str:
    return f"all-but-{short_verb(op.permission)}"


def _only(op: spec.Operation) -> str:
    return f"only-{short_verb(op.permission)}"


def _status_of(api: Api, op: spec.Operation, principal: str | None, **kwargs: Any) -> int:
    return api.request(op, principal=principal, **kwargs).status_code


def _error_status(response: requests.Response) -> Any:
    """The ``status`` of an ErrorBody; ``None`` when the answer is no JSON object."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("status") if isinstance(body, dict) else None


def _media_type(response: requests.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


@dataclass(frozen=True)
class Probe:
    """How to see a fault: ``observe(api)`` answers ``clean`` on a conforming target, something else on the faulty."""

    observe: Callable[[Api], Any]
    clean: Any


def statuses_without_and_with_an_unknown_token(api: Api) -> tuple[int, int]:
    return _status_of(api, LIST, "an-unknown-token"), _status_of(api, LIST, None)


def denied_create_and_what_it_left(api: Api) -> tuple[int, int]:
    return _status_of(api, CREATE, _lacking(CREATE)), len(api.deployments())


def get_after_post(api: Api) -> int:
    return _status_of(api, GET, "admin", deployment_id=api.create()["id"])


def name_after_put(api: Api) -> Any:
    deployment_id = api.create()["id"]
    api.request(UPDATE, deployment_id=deployment_id, body={"name": "renamed"})
    return api.request(GET, deployment_id=deployment_id).json().get("name")


def get_after_delete(api: Api) -> int:
    deployment_id = api.create()["id"]
    api.request(DELETE, deployment_id=deployment_id)
    return _status_of(api, GET, "admin", deployment_id=deployment_id)


def put_of_an_unknown_id(api: Api) -> tuple[int, int]:
    return _status_of(api, UPDATE, "admin", deployment_id=str(uuid.uuid4())), len(api.deployments())


def settings_after_put(api: Api) -> Any:
    api.request(PUT_SETTINGS, body={"requireDeployment": True})
    return api.request(GET_SETTINGS).json()


def settings_after_delete(api: Api) -> Any:
    api.request(PUT_SETTINGS, body={"requireDeployment": True})
    api.request(DELETE_SETTINGS)
    return api.request(GET_SETTINGS).json()


def listing_of_two(api: Api) -> tuple[bool, Any]:
    """Whether the list holds exactly the two deployments created, in order; and its total."""
    created = [api.create({"name": f"d{i}"})["id"] for i in range(2)]
    listing = api.request(LIST).json()
    return [entity["id"] for entity in listing["entities"]] == created, listing["total"]


def empty_listing_entities(api: Api) -> Any:
    return api.request(LIST).json()["entities"]


def round_trip(api: Api) -> dict[str, Any]:
    created = api.create(TRICKY_DEPLOYMENT)
    return deployment_fields(api.request(GET, deployment_id=created["id"]).json())


def ids_answered_by_post(api: Api) -> tuple[bool, bool]:
    """Whether POST answers a non-empty id, and the selfUri of that id."""
    created = api.create()
    return bool(created["id"]), created["selfUri"] == GET.url_path(created["id"])


def model_errors_of_answers(api: Api) -> list[str]:
    api.request(PUT_SETTINGS, body={"requireDeployment": True})
    answers = [(GET, api.create()["id"]), (LIST, None), (GET_SETTINGS, None)]
    errors = []
    for op, deployment_id in answers:
        assert op.response_model is not None
        errors += spec.validation_errors(op.response_model, api.request(op, deployment_id=deployment_id).json())
    return errors


def success_media_type(api: Api) -> str:
    return _media_type(api.request(LIST))


def unknown_id_answer(api: Api) -> tuple[int, str, Any]:
    response = api.request(GET, deployment_id=str(uuid.uuid4()))
    return response.status_code, _media_type(response), _error_status(response)


def post_with_an_unknown_field(api: Api) -> tuple[int, bool]:
    response = api.request(CREATE, body={"name": "n", "unknownField": 1})
    return response.status_code, "unknownField" in response.json()


def delete_answer(api: Api) -> tuple[int, bytes]:
    response = api.request(DELETE, deployment_id=api.create()["id"])
    return response.status_code, response.content


def post_status(api: Api, body: Any = NO_BODY, data: bytes | None = None) -> int:
    if data is None:
        return _status_of(api, CREATE, "admin", body=body)
    return _status_of(api, CREATE, "admin", data=data, headers={"Content-Type": "application/json"})


def post_with_a_client_id(api: Api) -> tuple[bool, bool]:
    """Whether the second POST reused the first one's id, and whether the first deployment is unchanged."""
    first = api.create()
    second = api.create({"name": "copy", "id": first["id"]})
    return second["id"] == first["id"], api.request(GET, deployment_id=first["id"]).json() == first


def put_with_another_id_in_the_body(api: Api) -> list[Any]:
    first, second = api.create({"name": "first"}), api.create({"name": "second"})
    api.request(UPDATE, deployment_id=first["id"], body={"name": "changed", "id": second["id"]})
    return [api.request(GET, deployment_id=d["id"]).json().get("name") for d in (first, second)]


def post_answers_a_string_id(api: Api) -> bool:
    return isinstance(api.create().get("id"), str)


def list_answer_is_json(api: Api) -> bool:
    try:
        api.request(LIST).json()
    except ValueError:
        return False
    return True


def denied_put_and_what_it_left(api: Api) -> tuple[int, Any]:
    deployment_id = api.create({"name": "before"})["id"]
    status = _status_of(api, UPDATE, _lacking(UPDATE), deployment_id=deployment_id, body={"name": "after"})
    return status, api.request(GET, deployment_id=deployment_id).json().get("name")


def _operation_probes() -> dict[str, Probe]:
    probes = {}
    for op in spec.operations():
        probes[f"skip-permission-check:{op.operation_id}"] = Probe(
            partial(_status_of, op=op, principal=_lacking(op)), 403
        )
        # A principal holding exactly the right permission, and not the one the faulty target checks.
        assert wrong_permission_for(op.permission) != op.permission
        probes[f"wrong-permission:{op.operation_id}"] = Probe(
            partial(_status_of, op=op, principal=_only(op)), op.success_status
        )
    return probes


BAD_BODY = {"data": b"{", "headers": {"Content-Type": "application/json"}}


def first_bytes_of_a_listing(api: Api) -> bytes:
    return api.request(LIST).content[:1]


PROBES: dict[str, Probe] = {
    **_operation_probes(),
    "all-permissions-required": Probe(partial(_status_of, op=LIST, principal=_only(LIST)), 200),
    "any-token-accepted": Probe(statuses_without_and_with_an_unknown_token, (401, 401)),
    "forbidden-instead-of-unauthorized": Probe(partial(_status_of, op=LIST, principal=None), 401),
    "act-before-deny": Probe(denied_create_and_what_it_left, (403, 0)),
    "validate-before-auth": Probe(partial(_status_of, op=CREATE, principal=None, **BAD_BODY), 401),
    "lookup-before-auth": Probe(partial(_status_of, op=GET, principal=None, deployment_id=str(uuid.uuid4())), 401),
    "post-not-persisted": Probe(get_after_post, 200),
    "put-not-persisted": Probe(name_after_put, "renamed"),
    "delete-keeps-deployment": Probe(get_after_delete, 404),
    "put-creates-unknown-id": Probe(put_of_an_unknown_id, (404, 0)),
    "settings-not-persisted": Probe(settings_after_put, {"requireDeployment": True}),
    "settings-delete-keeps": Probe(settings_after_delete, {}),
    "list-omits-newest": Probe(listing_of_two, (True, 2)),
    "list-duplicates-entry": Probe(listing_of_two, (True, 2)),
    "wrong-total": Probe(listing_of_two, (True, 2)),
    "null-entities-when-empty": Probe(empty_listing_entities, []),
    "drops-description": Probe(round_trip, TRICKY_DEPLOYMENT),
    "reorders-allowed-domains": Probe(round_trip, TRICKY_DEPLOYMENT),
    "trims-strings": Probe(round_trip, TRICKY_DEPLOYMENT),
    "nested-ids-dropped": Probe(round_trip, TRICKY_DEPLOYMENT),
    "wrong-self-uri": Probe(ids_answered_by_post, (True, True)),
    "empty-id": Probe(ids_answered_by_post, (True, True)),
    "boolean-as-string": Probe(model_errors_of_answers, []),
    "text-content-type": Probe(success_media_type, "application/json"),
    "error-status-mismatch": Probe(unknown_id_answer, (404, "application/json", 404)),
    "error-not-json": Probe(unknown_id_answer, (404, "application/json", 404)),
    "post-answers-201": Probe(post_status, 200),
    "delete-answers-200-with-body": Probe(delete_answer, (204, b"")),
    "not-found-as-400": Probe(unknown_id_answer, (404, "application/json", 404)),
    "string-types-unchecked": Probe(partial(post_status, body={"name": 5}), 400),
    "null-accepted": Probe(partial(post_status, body={"description": None}), 400),
    "no-enum-check": Probe(partial(post_status, body={"webChatConfig": {"webChatSkin": "dark"}}), 400),
    "allowed-domains-unchecked": Probe(partial(post_status, body={"allowedDomains": ["a.example.com", 7]}), 400),
    "non-object-body-accepted": Probe(partial(post_status, data=b"[1]"), 400),
    "missing-body-accepted": Probe(partial(post_status, data=b""), 400),
    "unknown-fields-echoed": Probe(post_with_an_unknown_field, (200, False)),
    "unknown-fields-rejected": Probe(post_with_an_unknown_field, (200, False)),
    "500-on-non-ascii": Probe(partial(post_status, body={"name": "caf\u00e9"}), 200),
    "500-on-empty-array": Probe(partial(post_status, body={"allowedDomains": []}), 200),
    "500-on-long-string": Probe(partial(post_status, body={"description": "x" * 1001}), 200),
    "500-on-long-name": Probe(partial(post_status, body={"name": "n" * 300}), 200),
    "post-null-id": Probe(post_answers_a_string_id, True),
    "non-json-success": Probe(list_answer_is_json, True),
    "denied-put-stores": Probe(denied_put_and_what_it_left, (403, "before")),
    "client-id-honoured": Probe(post_with_a_client_id, (False, True)),
    "put-body-id-wins": Probe(put_with_another_id_in_the_body, ["changed", "second"]),
    "content-type-without-body-refused": Probe(
        partial(_status_of, op=LIST, principal="admin", headers={"Content-Type": "application/json"}), 200
    ),
    "content-type-required": Probe(partial(_status_of, op=LIST, principal="admin"), 200),
    "json-in-utf-16": Probe(first_bytes_of_a_listing, b"{"),
}


def test_every_fault_has_a_probe() -> None:
    assert set(PROBES) == set(FAULTS)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_changes_the_behaviour(api: Api, serve: Callable[..., InProcessTarget], fault: str) -> None:
    probe = PROBES[fault]
    clean = probe.observe(api)
    assert clean == probe.clean
    faulty = probe.observe(Api.of(serve(faults=[fault])))
    assert faulty != clean, f"{fault}: {FAULTS[fault].description}"


def exercise(api: Api) -> list[int]:
    """The statuses of every operation called by a permitted, an unauthenticated and a forbidden caller, with an
    invalid body and with an unknown id."""
    unknown = str(uuid.uuid4())
    created = api.request(CREATE)
    try:
        deployment_id = created.json().get("id") or unknown
    except ValueError:  # non-json-success
        deployment_id = unknown
    statuses = [created.status_code]
    for op in spec.operations():  # GET and PUT of the deployment come before its DELETE
        own_id = deployment_id if op.has_path_id else None
        calls: list[dict[str, Any]] = [{"principal": "admin"}, {"principal": None}, {"principal": _lacking(op)}]
        if op.request_model:
            calls.append({"principal": "admin", **BAD_BODY})
        if op.has_path_id:
            calls.append({"principal": "admin", "deployment_id": unknown})
        for call in calls:
            statuses.append(_status_of(api, op, **{"deployment_id": own_id, **call}))
    return statuses


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_does_not_crash_the_target(serve: Callable[..., InProcessTarget], fault: str) -> None:
    # The sample bodies hold nothing the 500-on-* faults choke on: no fault answers 5xx to them.
    statuses = exercise(Api.of(serve(faults=[fault])))
    assert [status for status in statuses if status >= 500] == []


def test_every_fault_names_a_requirement_of_the_catalog() -> None:
    for name, fault in FAULTS.items():
        assert fault.name == name
        assert fault.description
        assert fault.requirement in spec.requirements(), f"{name}: unknown requirement {fault.requirement}"


def test_every_requirement_is_broken_by_some_fault() -> None:
    broken = {fault.requirement for fault in FAULTS.values()}
    assert [requirement for requirement in spec.requirements() if requirement not in broken] == []


def test_faults_cover_every_operation() -> None:
    for op in spec.operations():
        assert f"skip-permission-check:{op.operation_id}" in FAULTS
        assert f"wrong-permission:{op.operation_id}" in FAULTS


def test_the_clean_in_process_target_conforms_like_the_embedded_one(serve: Callable[..., InProcessTarget]) -> None:
    in_process = Api.of(serve())
    for fault, probe in PROBES.items():
        assert probe.observe(in_process) == probe.clean, fault
        in_process.reset()


def test_the_embedded_target_passes_faults_and_misbehaviours_to_the_server(faulty_misbehaving_target: Future) -> None:
    api = Api.of(faulty_misbehaving_target.result())
    listings = [api.request(LIST) for _ in range(3)]
    assert [response.status_code for response in listings] == [200, 200, 429]  # throttle
    assert listings[0].json()["total"] == 1  # wrong-total


# --- misbehaviours ----------------------------------------------------------------------------------------------


def test_hang_never_answers_but_the_token_endpoint_does(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["hang"]))  # logging in works
    with pytest.raises(requests.Timeout):
        api.request(LIST, timeout=0.5)
    with pytest.raises(requests.Timeout):
        api.request(CREATE, timeout=0.5)


def test_slow_delays_the_answers(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["slow"]))
    with pytest.raises(requests.Timeout):
        api.request(LIST, timeout=0.05)
    assert api.request(LIST).status_code == 200


def test_drop_connection_closes_without_an_answer(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["drop-connection"]))
    for op in (LIST, CREATE, LIST):
        with pytest.raises(requests.ConnectionError):
            api.request(op)


def test_html_errors_answer_a_502_page(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["html-errors"]))
    for op in (LIST, CREATE):
        response = api.request(op)
        assert response.status_code == 502
        assert _media_type(response) == "text/html"
        assert "<html>" in response.text


def test_always_500_answers_500_error_bodies(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["always-500"]))
    for op in (LIST, CREATE, GET_SETTINGS):
        assert_error(api.request(op), 500, "internal.server.error")


def test_throttle_answers_429_to_every_third_request(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["throttle"]))
    responses = [api.request(op) for op in (LIST, CREATE, LIST, GET_SETTINGS, LIST, CREATE)]
    assert [response.status_code for response in responses] == [200, 200, 429, 200, 200, 429]
    for throttled in (responses[2], responses[5]):
        assert_error(throttled, 429, "too.many.requests")
        assert throttled.headers["Retry-After"] == "1"
    assert len(api.deployments()) == 1  # the throttled POST did nothing


def test_throttle_forever_answers_429_to_every_request(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["throttle-forever"]))
    for op in (LIST, CREATE, LIST):
        response = api.request(op)
        assert_error(response, 429, "too.many.requests")
        assert response.headers["Retry-After"] == "120"


def test_every_misbehaviour_has_a_test() -> None:
    tested = {"hang", "slow", "drop-connection", "html-errors", "always-500", "throttle", "throttle-forever"}
    tested |= set(HOSTILE)  # in test_hostile_targets.py
    tested |= {"throttle-every-7th"}  # in test_misbehaving_targets.py
    tested |= {"collection-writes"}  # in test_safety.py
    assert set(MISBEHAVIOURS) == tested


def test_misbehaviours_spare_the_token_endpoint_and_leave_faults_apart(serve: Callable[..., InProcessTarget]) -> None:
    assert not set(MISBEHAVIOURS) & set(FAULTS)
    api = Api.of(serve(misbehaviours=list(MISBEHAVIOURS)))  # even all at once
    assert api.fetch_token()


def test_an_unknown_misbehaviour_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown misbehaviour 'no-such-mode'"):
        validate_misbehaviours(["slow", "no-such-mode"])
    with pytest.raises(EmbeddedTargetError, match="unknown misbehaviour") as raised:
        EmbeddedTarget(tmp_path, misbehaviours=["no-such-mode"]).start()
    assert "\n" not in str(raised.value)
    with pytest.raises(ValueError, match="unknown misbehaviour"):
        InProcessTarget(misbehaviours=["no-such-mode"])


# --- the command and the embedded target's failures -------------------------------------------------------------


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
