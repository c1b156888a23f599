"""A thin HTTP client for a running reference target and what the tests of tests/reference/ share: sample bodies,
and how an ErrorBody is checked (the operations are webchat_contract.operations)."""

from __future__ import annotations

import tomllib
import uuid
from typing import Any

import requests

from webchat_contract import spec
from webchat_contract.operations import CREATE, DELETE, DELETE_SETTINGS, LIST
from webchat_contract.reference import EmbeddedTarget, InProcessTarget
from webchat_contract.reference.principals import short_verb

SAMPLE_BODIES = {
    "WebChatDeployment": {
        "name": "reference check",
        "description": "made by tests/reference/",
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


def lacking(op: spec.Operation) -> str:
    return f"all-but-{short_verb(op.permission)}"


def only(op: spec.Operation) -> str:
    return f"only-{short_verb(op.permission)}"


def status_of(api: Api, op: spec.Operation, principal: str | None, **kwargs: Any) -> int:
    return api.request(op, principal=principal, **kwargs).status_code


def media_type(response: requests.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()
