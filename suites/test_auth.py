"""Authentication and the order of decisions.

A request without valid credentials gets 401 with an ErrorBody, on every operation, and changes nothing.
401 and 403 are decided before the body is validated and before the deployment is looked up.
"""

import uuid

import pytest

from webchat_contract import spec
from webchat_contract.checks import check_error_body, error_body_violations
from webchat_contract.prerequisites import not_verified
from webchat_contract.violations import raise_if_any, violation

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
ORDER = "WC-AUTH-ORDER"


def check_refused_first(response, status: int, client, prepare_valid) -> None:
    """``status`` with an ErrorBody. Answering the other refusal (403 for 401, or the reverse) is a fault of the
    refusal itself, not of the order; anything else (400, 404, 415, a success) came before the refusal, unless
    the same client's valid request (``prepare_valid()``) is not refused either: a target that never refuses this
    client fails WC-AUTH-401 / WC-AUTH-403, and the order of its decisions cannot be seen."""
    refusal = {401: "WC-AUTH-401", 403: "WC-AUTH-403"}
    if response.status_code not in refusal:
        valid_call = prepare_valid()
        control = valid_call.send(client)
        if control.status_code not in refusal:
            pytest.skip(
                not_verified(
                    f"the target does not refuse this client even on a valid request ({valid_call.operation.method} "
                    f"answered {control.status_code}), so the order of its decisions cannot be seen"
                )
            )
    check_error_body(response, status, refusal[status] if response.status_code in refusal else ORDER)


def unknown_id() -> str:
    return f"wcc-missing-{uuid.uuid4().hex}"


@pytest.fixture(params=[403, 401], ids=["denied-principal-403", "no-credentials-401"])
def refused(request, webchat_target):
    """``refused(operation)`` -> (client, status): a client the operation must refuse, and with which status.
    403: a principal lacking the permission (the one holding the most others); 401: no credentials at all."""

    def pick(operation):
        if request.param == 401:
            return webchat_target.anonymous(), 401
        lacking = webchat_target.lacking(operation.permission)
        if not lacking:
            pytest.skip(not_verified(f"no principal lacks {operation.permission}"))
        return webchat_target.client(lacking[0]), 403

    return pick


@pytest.mark.requirement("WC-AUTH-401", "WC-AUTH-NO-EFFECT", "WC-RESP-ERROR-BODY")
@pytest.mark.parametrize("credentials", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize("operation", OPERATIONS)
def test_request_without_valid_credentials_gets_401(operation, credentials, webchat_target, valid_request, state):
    call = valid_request(operation)
    before = state.snapshot(operation)
    response = call.send(webchat_target.anonymous(), authorization=credentials)
    found = error_body_violations(response, 401, "WC-AUTH-401")
    if response.status_code in (401, 403):  # denied: then it must have changed nothing
        changes = state.changes_since(before)
        if changes:
            found.append(violation("WC-AUTH-NO-EFFECT", f"denied, but: {'; '.join(changes)}", response))
    raise_if_any(found)


@pytest.mark.requirement("WC-AUTH-ORDER")
@pytest.mark.parametrize("operation", WITH_BODY)
def test_refusal_comes_before_body_validation(operation, refused, valid_request):
    client, status = refused(operation)
    call = valid_request(operation)
    response = client.request(
        operation.method,
        operation.url_path(call.deployment_id),
        data=NOT_AN_OBJECT,
        headers={"Content-Type": "application/json"},
    )
    check_refused_first(response, status, client, lambda: call)


@pytest.mark.requirement("WC-AUTH-ORDER")
@pytest.mark.parametrize("operation", WITH_PATH_ID)
def test_refusal_comes_before_lookup(operation, refused, valid_request):
    client, status = refused(operation)
    body = {"json_body": spec.example_body(operation.operation_id)} if operation.request_model else {}
    response = client.request(operation.method, operation.url_path(unknown_id()), **body)
    check_refused_first(response, status, client, lambda: valid_request(operation))
