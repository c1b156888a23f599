"""Permissions: every operation, as every configured principal, answers as the principal's permissions say.

A principal holding the operation's permission gets the documented success; any other gets 403 with an
ErrorBody, whatever other permissions it holds, and the denied request changes nothing. The matrix is derived
from schemas/openapi.yaml and the configured principals (webchat_contract.matrix).
"""

import pytest

from webchat_contract import matrix
from webchat_contract.checks import check_success, error_body_violations
from webchat_contract.plugin import principal_layout
from webchat_contract.prerequisites import not_verified
from webchat_contract.violations import raise_if_any, violation

pytestmark = pytest.mark.permissions


def pytest_generate_tests(metafunc):
    if "cell" in metafunc.fixturenames:
        cells = matrix.cells(principal_layout(metafunc.config))
        metafunc.parametrize("cell", [pytest.param(c, id=c.id, marks=_marks(c)) for c in cells])


def _marks(cell):
    marks = [pytest.mark.requirement("WC-AUTH-ALLOWED" if cell.allowed else "WC-AUTH-403")]
    if not cell.allowed and cell.operation.writes:
        marks.append(pytest.mark.requirement("WC-AUTH-NO-EFFECT"))
    # reading one deployment by id needs one the run created
    if cell.operation.writes or cell.operation.has_path_id:
        marks.append(pytest.mark.destructive)
    return marks


def test_permission(cell, webchat_target, valid_request, state):
    if cell.missing:
        pytest.skip(not_verified(f"{cell.missing}"))
    client = webchat_target.client(cell.principal)
    call = valid_request(cell.operation)
    before = state.snapshot(cell.operation)
    response = call.send(client)
    if cell.allowed:
        check_success(response, cell.operation, refused="WC-AUTH-ALLOWED", own=cell.operation.has_path_id)
        return
    found = error_body_violations(response, 403, "WC-AUTH-403")
    if response.status_code in (401, 403):  # denied: then it must have changed nothing
        changes = state.changes_since(before)
        if changes:
            found.append(violation("WC-AUTH-NO-EFFECT", f"denied to {cell.principal}, but: {'; '.join(changes)}",
                                   response))  # fmt: skip
    raise_if_any(found)
