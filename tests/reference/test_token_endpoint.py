"""The token endpoint: client credentials in, a bearer token out, and tokens that expire."""

from __future__ import annotations

import time
from concurrent.futures import Future

import pytest
import requests
from target_api import Api, assert_error

from webchat_contract.operations import LIST


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
