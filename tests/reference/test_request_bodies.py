"""What a request body may hold: unknown fields, ids, values that do not fit the model, media types, sizes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from target_api import DEPLOYMENT_LIMIT, Api, assert_error

from webchat_contract.operations import CREATE, GET, PUT_SETTINGS, UPDATE


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
