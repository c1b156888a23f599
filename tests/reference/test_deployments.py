"""The happy paths: deployments and settings are created, read, replaced, listed and deleted."""

from __future__ import annotations

from target_api import SAMPLE_BODIES, Api, assert_error, deployment_fields

from webchat_contract.operations import CREATE, DELETE, DELETE_SETTINGS, GET, GET_SETTINGS, LIST, PUT_SETTINGS, UPDATE


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
