"""Requests as the platform's own clients send them: every operation, sent with the headers of the official SDKs
(Content-Type JSON on bodiless GET and DELETE too, purecloud-sdk, User-Agent) and one more header no one knows,
answers its documented success, and so does the minimal request a hand-written client sends; a bodiless request is
served whatever its Content-Type, or none (CONTRACT.md section 1).

The suite's client sends the SDK shape everywhere, but falls back to the minimal shape when a target refuses it, so
that refusal is judged here, once, and not by every test that needed to read something.
"""

import pytest

from webchat_contract import request_shape, spec
from webchat_contract.request_shape import Shape
from webchat_contract.violations import expect

CLIENT_HEADERS = "WC-REQ-CLIENT-HEADERS"
pytestmark = pytest.mark.requirement(CLIENT_HEADERS)

EXTRA_HEADER = {"X-Wcc-Unknown-Header": "any value"}
# a bodiless request carrying a Content-Type that is not even JSON
ODD_CONTENT_TYPE = Shape("odd-content-type", {"Accept": request_shape.JSON, "Content-Type": "text/plain"}, False)


def check_served(response, operation: spec.Operation) -> None:
    """Served means answered with a success. Which success, and what its body holds, the other tests judge
    (WC-RESP-SUCCESS and the rest), so a target's one deviation there is not blamed on the headers too."""
    expect(200 <= response.status_code < 300, CLIENT_HEADERS,
           f"{operation.method} {operation.path} refused: answered {response.status_code}", response)  # fmt: skip


def _param(operation: spec.Operation) -> pytest.param:
    marks = [pytest.mark.operations(operation.operation_id)]
    if operation.writes or operation.has_path_id:
        marks.append(pytest.mark.destructive)
    return pytest.param(operation, id=operation.operation_id, marks=marks)


OPERATIONS = [_param(op) for op in spec.operations()]
BODILESS = [_param(op) for op in spec.operations() if not op.request_model]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_sdk_shaped_request_is_served(operation, client_holding, valid_request):
    """The exact headers of the official SDKs, plus an extra one, on every operation."""
    call = valid_request(operation)
    response = call.send(client_holding(operation.permission), shape=request_shape.SDK, headers=EXTRA_HEADER)
    check_served(response, operation)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_minimal_request_is_served(operation, client_holding, valid_request):
    """The bare minimum a hand-written client sends (no Content-Type without a body, no SDK headers) is served too:
    the suite's other tests send the SDK shape."""
    call = valid_request(operation)
    check_served(call.send(client_holding(operation.permission), shape=request_shape.MINIMAL), operation)


@pytest.mark.parametrize("operation", BODILESS)
def test_bodiless_request_is_served_whatever_its_content_type(operation, client_holding, valid_request):
    call = valid_request(operation)
    response = call.send(client_holding(operation.permission), shape=ODD_CONTENT_TYPE)
    check_served(response, operation)
