"""Authentication and the order of decisions.

A request without valid credentials gets 401 with an ErrorBody, on every operation, and changes nothing.
401 and 403 are decided before the body is validated and before the deployment is looked up.
"""

import uuid

import pytest

from webchat_contract import spec
from webchat_contract.checks import check_error_body

pytestmark = pytest.mark.auth

OPERATIONS = [
    pytest.param(op, id=op.operation_id, marks=[pytest.mark.destructive] if op.writes or op.has_path_id else [])
    for op in spec.operations()
]
WITH_BODY = [p for p in OPERATIONS if p.values[0].request_model]
WITH_PATH_ID = [p for p in OPERATIONS if p.values[0].has_path_id]
BAD_CREDENTIALS = {
    "no-header": None,
    "unknown-token": f"Bearer wcc-unknown-{uuid.uuid4().hex}",
    "basic-scheme": "Basic d2NjOndjYw==",
    "bearer-without-token": "Bearer",
}
NOT_AN_OBJECT = "[]"


def unknown_id() -> str:
    return f"wcc-missing-{uuid.uuid4().hex}"


@pytest.fixture
def denied_client(webchat_target):
    """A client of a principal lacking the operation's permission (holding the most other permissions)."""

    def pick(operation):
        lacking = webchat_target.lacking(operation.permission)
        if not lacking:
            pytest.skip(f"not verified: no principal lacks {operation.permission}")
        return webchat_target.client(lacking[0])

    return pick


@pytest.mark.requirement("WC-AUTH-401", "WC-AUTH-NO-EFFECT", "WC-RESP-ERROR-BODY")
@pytest.mark.parametrize("credentials", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize("operation", OPERATIONS)
def test_request_without_valid_credentials_gets_401(operation, credentials, webchat_target, valid_request, state):
    call = valid_request(operation)
    before = state.snapshot(operation)
    response = call.send(webchat_target.anonymous(), authorization=credentials)
    check_error_body(response, 401, spec.error_codes(401))
    changes = state.changes_since(before)
    assert not changes, f"{operation.operation_id} answered 401 but: {'; '.join(changes)}"


@pytest.mark.requirement("WC-AUTH-ORDER")
@pytest.mark.parametrize("operation", WITH_BODY)
def test_denied_principal_with_invalid_body_gets_403_not_400(operation, denied_client, valid_request):
    call = valid_request(operation)
    response = denied_client(operation).request(
        operation.method,
        operation.url_path(call.deployment_id),
        data=NOT_AN_OBJECT,
        headers={"Content-Type": "application/json"},
    )
    check_error_body(response, 403, spec.error_codes(403))


@pytest.mark.requirement("WC-AUTH-ORDER")
@pytest.mark.parametrize("operation", WITH_BODY)
def test_unauthenticated_with_invalid_body_gets_401_not_400(operation, webchat_target, valid_request):
    call = valid_request(operation)
    response = webchat_target.anonymous().request(
        operation.method,
        operation.url_path(call.deployment_id),
        data=NOT_AN_OBJECT,
        headers={"Content-Type": "application/json"},
    )
    check_error_body(response, 401, spec.error_codes(401))


@pytest.mark.requirement("WC-AUTH-ORDER")
@pytest.mark.parametrize("operation", WITH_PATH_ID)
def test_denied_principal_on_unknown_id_gets_403_not_404(operation, denied_client):
    body = {"json_body": spec.example_body(operation.operation_id)} if operation.request_model else {}
    response = denied_client(operation).request(operation.method, operation.url_path(unknown_id()), **body)
    check_error_body(response, 403, spec.error_codes(403))


@pytest.mark.requirement("WC-AUTH-ORDER")
@pytest.mark.parametrize("operation", WITH_PATH_ID)
def test_unauthenticated_on_unknown_id_gets_401_not_404(operation, webchat_target):
    body = {"json_body": spec.example_body(operation.operation_id)} if operation.request_model else {}
    response = webchat_target.anonymous().request(operation.method, operation.url_path(unknown_id()), **body)
    check_error_body(response, 401, spec.error_codes(401))
