"""Root of the contract suite (``suites/``; a wheel carries this file as ``webchat_contract/suites/conftest.py``).

The target, its principals, clients and cleanup come from the webchat_contract pytest plugin
(``src/webchat_contract/pytest_plugin/``, registered as ``webchat_contract.plugin``), the verdict and reports from
its reporting plugin; both are active only in a session that runs the suite, as this file asks for them. Report
options are set in ``pytest.ini``. The fixtures here are the suite's shared vocabulary: a valid request of any
operation, and a probe of what a request changed.
"""

import secrets

import pytest

from webchat_contract import spec
from webchat_contract.checks import check_created
from webchat_contract.operations import CREATE, DELETE_SETTINGS, GET_SETTINGS, PUT_SETTINGS, UPDATE
from webchat_contract.prerequisites import require
from webchat_contract.state import StateProbe

pytest_plugins = ["webchat_contract.plugin", "webchat_contract.reporting.plugin"]


@pytest.fixture
def state(client_holding, deployments) -> StateProbe:
    """Snapshots of the suite's deployments and the settings, to show a request changed nothing."""
    return StateProbe(client_holding(GET_SETTINGS.permission), deployments)


@pytest.fixture
def deployment_id(deployments) -> str:
    """The id of a deployment created for this test (deleted when the test ends)."""

    def create() -> str:
        return check_created(deployments.create(spec.example_body(CREATE.operation_id)))

    return require("a deployment to test with", create)


@pytest.fixture
def valid_request(request, deployments, client_holding, run_prefix):
    """``valid_request(operation)`` prepares a request the contract says must succeed for a principal holding the
    operation's permission, such that a wrongly allowed write would show (a deployment of the run to act on, a
    body that differs from what is stored, settings set so the write changes them); ``.send(client)`` sends it
    as that client."""

    def prepare(operation: spec.Operation) -> "PreparedCall":
        deployment = request.getfixturevalue("deployment_id") if operation.has_path_id else None
        writes_settings = operation.resource == "settings" and operation.writes
        guard = request.getfixturevalue("settings_guard") if writes_settings else None
        body = spec.example_body(operation.operation_id) if operation.request_model else None
        if operation == PUT_SETTINGS:
            body = {"requireDeployment": not guard.current().get("requireDeployment", False)}
        elif operation == DELETE_SETTINGS:
            client_holding(PUT_SETTINGS.permission).put(PUT_SETTINGS.path, {"requireDeployment": True})
        if operation == UPDATE:
            # never what the deployment holds: a denied PUT that stores anyway must show
            body.update(name=f"changed-{secrets.token_hex(4)}", description=f"changed {secrets.token_hex(4)}")
        if body is not None and "name" in body and operation != CREATE:
            body["name"] = run_prefix + body["name"]
        return PreparedCall(operation, deployment, body, deployments)

    return prepare


class PreparedCall:
    def __init__(self, operation, deployment_id, body, deployments):
        self.operation, self.deployment_id, self.body, self.deployments = operation, deployment_id, body, deployments

    def send(self, client, **options):
        """Send as ``client``; ``options`` go to ApiClient.request (e.g. ``authorization=None``). A deployment
        it deletes stays tracked until the test ends (a DELETE that says 204 and keeps it leaves nothing)."""
        if self.operation == CREATE:
            return self.deployments.create(self.body, client=client, **options)
        with_body = {"json_body": self.body} if self.body is not None else {}
        return client.request(
            self.operation.method, self.operation.url_path(self.deployment_id), **with_body, **options
        )
