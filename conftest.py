"""Root of the contract suite (``suites/``; a wheel carries this file as ``webchat_contract/suites/conftest.py``).

The target, its principals, clients and cleanup come from the webchat_contract pytest plugin
(``src/webchat_contract/plugin.py``), the verdict and reports from its reporting plugin; both are active only in a
session that runs the suite, as this file asks for them. Report options are set in ``pytest.ini``. The fixtures here
are the suite's shared vocabulary: a valid request of any operation, and a probe of what a request changed.
"""

import pytest

from webchat_contract import spec
from webchat_contract.operations import CREATE, DELETE, DELETE_SETTINGS, GET_SETTINGS, PUT_SETTINGS
from webchat_contract.state import StateProbe

pytest_plugins = ["webchat_contract.plugin", "webchat_contract.reporting.plugin"]


@pytest.fixture
def state(client_holding, deployments) -> StateProbe:
    """Snapshots of the suite's deployments and the settings, to show a request changed nothing."""
    return StateProbe(client_holding(GET_SETTINGS.permission), deployments)


@pytest.fixture
def deployment_id(deployments) -> str:
    """The id of a deployment created for this test (deleted at the end of the run)."""
    response = deployments.create(spec.example_body("postWebchatDeployments"))
    assert response.status_code == 200, f"could not create a deployment to test with: {response.status_code}"
    return response.json()["id"]


@pytest.fixture
def valid_request(request, deployments, client_holding, run_prefix):
    """``valid_request(operation)`` prepares a request the contract says must succeed for a principal holding the
    operation's permission, such that a wrongly allowed write would show (a deployment of the run to act on,
    settings set so the write changes them); ``.send(client)`` sends it as that client."""

    def prepare(operation: spec.Operation) -> "PreparedCall":
        deployment = request.getfixturevalue("deployment_id") if operation.has_path_id else None
        if operation.resource == "settings" and operation.writes:
            request.getfixturevalue("settings_guard").remember()
        body = spec.example_body(operation.operation_id) if operation.request_model else None
        if operation == PUT_SETTINGS:
            current = client_holding(GET_SETTINGS.permission).get(GET_SETTINGS.path).json()
            body = {"requireDeployment": not current.get("requireDeployment", False)}
        elif operation == DELETE_SETTINGS:
            client_holding(PUT_SETTINGS.permission).put(PUT_SETTINGS.path, {"requireDeployment": True})
        if body is not None and "name" in body and operation != CREATE:
            body["name"] = run_prefix + body["name"]
        return PreparedCall(operation, deployment, body, deployments)

    return prepare


class PreparedCall:
    def __init__(self, operation, deployment_id, body, deployments):
        self.operation, self.deployment_id, self.body, self.deployments = operation, deployment_id, body, deployments

    def send(self, client, **options):
        """Send as ``client``; ``options`` go to ApiClient.request (e.g. ``authorization=None``)."""
        if self.operation == CREATE:
            return self.deployments.create(self.body, client=client, **options)
        with_body = {"json_body": self.body} if self.body is not None else {}
        response = client.request(
            self.operation.method, self.operation.url_path(self.deployment_id), **with_body, **options
        )
        if self.operation == DELETE and response.status_code == DELETE.success_status:
            self.deployments.forget(self.deployment_id)
        return response
