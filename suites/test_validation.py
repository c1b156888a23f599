"""Validation: a body that does not fit the model gets 400 with an ErrorBody and nothing is stored.

Invalid bodies are derived from the model schemas (webchat_contract.invalid): for every writable field, nested
ones included, a wrong JSON type, null, a value outside its enum, array items of a wrong type. Also: not JSON,
not a JSON object, no body at all. A Content-Type other than JSON may get 400 or 415. Unknown fields are ignored.
"""

import json

import pytest

from webchat_contract import invalid, spec
from webchat_contract.checks import check_success, error_body_violations
from webchat_contract.operations import CREATE, GET
from webchat_contract.transport import json_or_none
from webchat_contract.violations import raise_if_any, violation

pytestmark = [pytest.mark.destructive, pytest.mark.requirement("WC-RESP-ERROR-BODY")]

WITH_BODY = [op for op in spec.operations() if op.request_model]
UNKNOWN_FIELDS = "WC-VAL-UNKNOWN-FIELDS"


def params(cases):
    return [pytest.param(op, case, id=f"{op.operation_id}-{case_id}") for op, case_id, case in cases]


FIELD_CASES = params((op, bad.id, bad) for op in WITH_BODY for bad in invalid.invalid_fields(op.request_model))
NOT_OBJECTS = {"not-json": invalid.NOT_JSON, **{f"not-an-object-{k}": v for k, v in invalid.NOT_OBJECTS.items()}}
RAW_CASES = params((op, name, raw) for op in WITH_BODY for name, raw in NOT_OBJECTS.items())
OPERATIONS = [pytest.param(op, id=op.operation_id) for op in WITH_BODY]


@pytest.fixture
def valid_body(run_prefix):
    """``valid_body(operation)``: the documented example, marked with the run prefix so a wrongly stored body
    is recognised (and cleaned up) whichever field was invalid."""

    def build(operation):
        body = spec.example_body(operation.operation_id)
        if "name" in body:
            body.update(name=run_prefix + "validation", description=run_prefix + "validation")
        return body

    return build


def send_raw(client, operation, deployment_id, data, content_type="application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    return client.request(operation.method, operation.url_path(deployment_id), data=data, headers=headers)


def check_refused(response, status, requirement, operation, deployments, state=None, before=None) -> None:
    """``status`` (400, or one of several) with an ErrorBody; a refused request stored nothing. A POST the target
    accepted anyway is tracked, so the run deletes what it created."""
    if operation == CREATE:
        deployments.adopt(response, valid_body=False)
    found = error_body_violations(response, status, requirement)
    changes = state.changes_since(before) if state is not None else []
    if changes and 400 <= response.status_code < 500:
        found.append(violation(requirement, f"refused, but: {'; '.join(changes)}", response))
    raise_if_any(found)


@pytest.mark.requirement("WC-VAL-BODY")
@pytest.mark.parametrize(("operation", "bad"), FIELD_CASES)
def test_invalid_field_gets_400_and_nothing_is_stored(
    operation, bad, valid_request, valid_body, client_holding, state, deployments
):
    call = valid_request(operation)
    client = client_holding(operation.permission)
    before = state.snapshot(operation)
    response = client.request(
        operation.method, operation.url_path(call.deployment_id), json_body=bad.applied_to(valid_body(operation))
    )
    check_refused(response, 400, "WC-VAL-BODY", operation, deployments, state, before)


@pytest.mark.requirement("WC-VAL-BODY")
@pytest.mark.parametrize(("operation", "raw"), RAW_CASES)
def test_body_that_is_not_a_json_object_gets_400(operation, raw, valid_request, client_holding, state, deployments):
    call = valid_request(operation)
    before = state.snapshot(operation)
    response = send_raw(client_holding(operation.permission), operation, call.deployment_id, raw)
    check_refused(response, 400, "WC-VAL-BODY", operation, deployments, state, before)


@pytest.mark.requirement("WC-VAL-MISSING-BODY")
@pytest.mark.parametrize("content_type", ["application/json", None], ids=["json-content-type", "no-content-type"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_missing_body_gets_400(operation, content_type, valid_request, client_holding, deployments):
    call = valid_request(operation)
    response = send_raw(client_holding(operation.permission), operation, call.deployment_id, None, content_type)
    check_refused(response, 400, "WC-VAL-MISSING-BODY", operation, deployments)


@pytest.mark.requirement("WC-VAL-MISSING-BODY")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_body_with_a_content_type_other_than_json_gets_400_or_415(
    operation, valid_request, valid_body, client_holding, deployments
):
    call = valid_request(operation)
    data = json.dumps(valid_body(operation))
    response = send_raw(client_holding(operation.permission), operation, call.deployment_id, data, "text/plain")
    check_refused(response, (400, 415), "WC-VAL-MISSING-BODY", operation, deployments)


@pytest.mark.requirement("WC-VAL-UNKNOWN-FIELDS")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_unknown_fields_are_ignored(operation, valid_request, valid_body, client_holding, deployments):
    call = valid_request(operation)
    client = client_holding(operation.permission)
    body = valid_body(operation)
    sent = {**body, "wccUnknownField": "ignored"}
    if "webChatConfig" in body:
        sent["webChatConfig"] = {**body["webChatConfig"], "wccUnknownNested": 1}
    if operation == CREATE:
        response = deployments.create(sent, client=client)
    else:
        response = client.request(operation.method, operation.url_path(call.deployment_id), json_body=sent)
    # the known fields coming back equal is the round trip's business; here: accepted, and the unknown ones dropped
    answered = check_success(response, operation, requirement=UNKNOWN_FIELDS, own=operation.has_path_id)
    found = []
    if "wccUnknownField" in answered:
        found.append(violation(UNKNOWN_FIELDS, "an unknown field was answered back", response))
    nested = answered.get("webChatConfig")
    if isinstance(nested, dict) and "wccUnknownNested" in nested:
        found.append(violation(UNKNOWN_FIELDS, "an unknown nested field was answered back", response))
    if operation.resource == "deployments" and isinstance(answered.get("id"), str):
        fetched = client_holding(GET.permission).get(GET.url_path(answered["id"]))
        stored = json_or_none(fetched)
        if isinstance(stored, dict) and "wccUnknownField" in stored:
            found.append(violation(UNKNOWN_FIELDS, "an unknown field was stored", fetched))
    raise_if_any(found)
