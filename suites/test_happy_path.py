"""Happy path: each of the 8 operations, once, as a principal holding its permission, answers its documented
success: the status, Content-Type JSON, and a body that fits the model (or no body for 204)."""

import pytest

from webchat_contract import spec
from webchat_contract.checks import check_created, check_deployment_identity, check_fields_equal, check_success
from webchat_contract.operations import CREATE, DELETE, DELETE_SETTINGS, GET, GET_SETTINGS, LIST, PUT_SETTINGS, UPDATE
from webchat_contract.prerequisites import require

pytestmark = pytest.mark.requirement("WC-RESP-SUCCESS", "WC-RESP-CONTENT-TYPE")


@pytest.fixture
def deployment(deployments):
    """A deployment created for the test (deleted when the test ends if the test did not)."""

    def create() -> dict:
        return {"id": check_created(deployments.create(spec.example_body(CREATE.operation_id)))}

    return require("a deployment to test with", create)


@pytest.mark.operations(LIST.operation_id)
def test_list_deployments(client_holding):
    check_success(client_holding(LIST.permission).get(LIST.path), LIST)


@pytest.mark.destructive
@pytest.mark.requirement("WC-DEP-CREATE")
@pytest.mark.operations(CREATE.operation_id)
def test_create_deployment(client_holding, deployments):
    sent = spec.example_body(CREATE.operation_id)
    response = deployments.create(sent, client=client_holding(CREATE.permission))
    body = check_success(response, CREATE)
    check_deployment_identity(body, response)
    check_fields_equal({**sent, "name": body.get("name")}, body, response, "WC-DEP-ROUND-TRIP")


@pytest.mark.destructive
@pytest.mark.operations(GET.operation_id)
def test_get_deployment(client_holding, deployment):
    response = client_holding(GET.permission).get(GET.url_path(deployment["id"]))
    body = check_success(response, GET, own=True)
    check_deployment_identity(body, response, expected_id=deployment["id"], requirement="WC-DEP-ROUND-TRIP")


@pytest.mark.destructive
@pytest.mark.operations(UPDATE.operation_id)
def test_update_deployment(client_holding, deployment, run_prefix):
    sent = spec.example_body(UPDATE.operation_id)
    sent["name"] = run_prefix + "updated"
    sent["webChatConfig"] = {"webChatSkin": "basic"}
    response = client_holding(UPDATE.permission).put(UPDATE.url_path(deployment["id"]), sent)
    body = check_success(response, UPDATE, own=True)
    check_deployment_identity(body, response, expected_id=deployment["id"], requirement="WC-DEP-UPDATE")
    check_fields_equal(sent, body, response, "WC-DEP-ROUND-TRIP")


@pytest.mark.destructive
@pytest.mark.operations(DELETE.operation_id)
def test_delete_deployment(client_holding, deployment, deployments):
    response = client_holding(DELETE.permission).delete(DELETE.url_path(deployment["id"]))
    check_success(response, DELETE, own=True)


@pytest.mark.operations(GET_SETTINGS.operation_id)
def test_get_settings(client_holding):
    check_success(client_holding(GET_SETTINGS.permission).get(GET_SETTINGS.path), GET_SETTINGS)


@pytest.mark.destructive
@pytest.mark.operations(PUT_SETTINGS.operation_id)
def test_update_settings(client_holding, settings_guard):
    sent = spec.example_body(PUT_SETTINGS.operation_id)
    response = client_holding(PUT_SETTINGS.permission).put(PUT_SETTINGS.path, sent)
    body = check_success(response, PUT_SETTINGS)
    check_fields_equal(sent, body, response, "WC-SET-UPDATE")


@pytest.mark.destructive
@pytest.mark.operations(DELETE_SETTINGS.operation_id)
def test_delete_settings(client_holding, settings_guard):
    check_success(client_holding(DELETE_SETTINGS.permission).delete(DELETE_SETTINGS.path), DELETE_SETTINGS)
