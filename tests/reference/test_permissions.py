"""Authentication and permissions: 401 and 403 as CONTRACT.md orders them, before any lookup or validation."""

from __future__ import annotations

import uuid

import pytest
from target_api import Api, assert_error

from webchat_contract import spec
from webchat_contract.operations import GET, GET_SETTINGS, LIST, UPDATE
from webchat_contract.reference.principals import short_verb


@pytest.mark.parametrize("op", spec.operations(), ids=lambda op: op.operation_id)
def test_no_authorization_header_is_401(api: Api, op: spec.Operation) -> None:
    assert_error(api.request(op, principal=None), 401, "authentication.required")


@pytest.mark.parametrize("header", ["Bearer not-a-known-token", "Basic YTpi", "Bearer", "token"])
def test_unknown_or_malformed_credentials_are_401(api: Api, header: str) -> None:
    assert_error(api.request(LIST, principal=None, headers={"Authorization": header}), 401, "bad.credentials")


@pytest.mark.parametrize("op", spec.operations(), ids=lambda op: op.operation_id)
def test_every_principal_gets_exactly_what_its_permissions_allow(api: Api, op: spec.Operation) -> None:
    for name, principal in api.config["principals"].items():
        before = (api.deployments(), api.request(GET_SETTINGS).json())
        deployment_id = api.create()["id"] if op.has_path_id else None
        response = api.request(op, principal=name, deployment_id=deployment_id)
        if op.permission in principal["permissions"]:
            assert response.status_code == op.success_status, (name, response.text)
        else:
            assert_error(response, 403, "missing.any.permissions")
            if deployment_id:
                assert api.request(GET, deployment_id=deployment_id).status_code == 200
            else:
                assert (api.deployments(), api.request(GET_SETTINGS).json()) == before
        api.reset()


@pytest.mark.parametrize("op", [op for op in spec.operations() if op.request_model], ids=lambda op: op.operation_id)
def test_401_and_403_come_before_body_validation(api: Api, op: spec.Operation) -> None:
    deployment_id = api.create()["id"] if op.has_path_id else None
    bad = {"data": b"{", "headers": {"Content-Type": "application/json"}}
    assert_error(api.request(op, principal=None, deployment_id=deployment_id, **bad), 401)
    lacking = f"all-but-{short_verb(op.permission)}"
    assert_error(api.request(op, principal=lacking, deployment_id=deployment_id, **bad), 403)
    assert_error(api.request(op, principal="admin", deployment_id=deployment_id, **bad), 400)


@pytest.mark.parametrize("op", [op for op in spec.operations() if op.has_path_id], ids=lambda op: op.operation_id)
def test_401_and_403_come_before_the_lookup(api: Api, op: spec.Operation) -> None:
    unknown = str(uuid.uuid4())
    assert_error(api.request(op, principal=None, deployment_id=unknown), 401)
    lacking = f"all-but-{short_verb(op.permission)}"
    assert_error(api.request(op, principal=lacking, deployment_id=unknown), 403)
    assert_error(api.request(op, principal="admin", deployment_id=unknown), 404, "not.found")


def test_invalid_body_to_unknown_id_is_400_or_404(api: Api) -> None:
    response = api.request(UPDATE, deployment_id=str(uuid.uuid4()), body={"name": 1})
    assert response.status_code in (400, 404)
