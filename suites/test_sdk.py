"""The official SDK: every operation driven through ``WebChatApi`` of PureCloudPlatformClientV2 (the ``sdk`` extra),
as the configured principals, and whatever the target answers, the SDK must show it as it was: a success as its
model, equal field for field to the answer's JSON, a refusal as its ErrorBody. What the SDK cannot do with an answer
is reported as "breaks the official SDK" with the SDK's own error.

Whether the target answered the right status is judged by the other suites; here, when an answer this test needed
was a refusal, the rest of the test is not verified.
"""

import uuid

import pytest

from webchat_contract import sdk, spec
from webchat_contract.operations import (
    CREATE,
    DELETE,
    DELETE_SETTINGS,
    GET,
    GET_SETTINGS,
    LIST,
    PUT_SETTINGS,
    UPDATE,
)
from webchat_contract.prerequisites import not_verified

pytestmark = pytest.mark.requirement("WC-SDK-COMPAT")
DEPLOYMENT_MODEL = CREATE.request_model
SETTINGS_MODEL = PUT_SETTINGS.request_model


@pytest.fixture(scope="session")
def sdk_as(webchat_target, deployments):
    """``sdk_as(permission)``: a WebChatApi of a principal holding it (the principal with most permissions first)."""
    if sdk.load() is None:
        pytest.skip(not_verified(sdk.INSTALL_HINT))
    apis = {}

    def track_created(method, path, response):
        if method == CREATE.method and path == CREATE.path:
            deployments.adopt(response)

    def api_for(permission):
        principal = webchat_target.first_holding(permission)
        if principal is None:
            pytest.skip(not_verified(f"no configured principal holds {permission}"))
        if principal.name not in apis:
            apis[principal.name] = sdk.web_chat_api(webchat_target, principal.name, observe=track_created)
        return apis[principal.name]

    return api_for


def needed(operation, outcome):
    """What an SDK call returned, when the rest of the test needs it to have succeeded."""
    if sdk.is_refusal(outcome):
        pytest.skip(not_verified(f"needs {operation.operation_id} to succeed, the target answered {outcome.status}"))
    return outcome


def ours(run_prefix, name="sdk"):
    body = spec.example_body(CREATE.operation_id)
    body["name"] = run_prefix + name
    return body


@pytest.mark.operations(LIST.operation_id)
def test_list(sdk_as):
    sdk.drive(sdk_as(LIST.permission), LIST)


@pytest.mark.destructive
@pytest.mark.operations(CREATE.operation_id)
def test_create_with_every_writable_field(sdk_as, run_prefix):
    api = sdk_as(CREATE.permission)
    body = ours(run_prefix)
    assert set(body) == set(spec.writable_fields(DEPLOYMENT_MODEL)), "the example must carry every writable field"
    sent = sdk.model_from_json(api, body, DEPLOYMENT_MODEL)
    sdk.drive(api, CREATE, sent)


@pytest.mark.destructive
@pytest.mark.operations(GET.operation_id)
def test_get(sdk_as, deployment_id):
    sdk.drive(sdk_as(GET.permission), GET, deployment_id)


@pytest.mark.destructive
@pytest.mark.operations(UPDATE.operation_id)
def test_update(sdk_as, deployment_id, run_prefix):
    api = sdk_as(UPDATE.permission)
    body = ours(run_prefix, "sdk-updated")
    body["webChatConfig"] = {"webChatSkin": "basic"}
    sent = sdk.model_from_json(api, body, DEPLOYMENT_MODEL)
    sdk.drive(api, UPDATE, deployment_id, sent)


@pytest.mark.destructive
@pytest.mark.operations(DELETE.operation_id, GET.operation_id)
def test_delete_then_get_is_refused(sdk_as, deployment_id, deployments):
    needed(DELETE, sdk.drive(sdk_as(DELETE.permission), DELETE, deployment_id))
    deployments.forget(deployment_id)
    sdk.drive(sdk_as(GET.permission), GET, deployment_id)


@pytest.mark.operations(GET_SETTINGS.operation_id)
def test_get_settings(sdk_as):
    sdk.drive(sdk_as(GET_SETTINGS.permission), GET_SETTINGS)


@pytest.mark.destructive
@pytest.mark.operations(PUT_SETTINGS.operation_id, DELETE_SETTINGS.operation_id)
def test_put_and_delete_settings(sdk_as, settings_guard):
    settings_guard.remember()
    api = sdk_as(PUT_SETTINGS.permission)
    sent = sdk.model_from_json(api, spec.example_body(PUT_SETTINGS.operation_id), SETTINGS_MODEL)
    sdk.drive(api, PUT_SETTINGS, sent)
    sdk.drive(sdk_as(DELETE_SETTINGS.permission), DELETE_SETTINGS)


@pytest.mark.operations(*(op.operation_id for op in spec.operations() if not op.has_path_id and op.method == "GET"))
def test_refusals_parse_into_error_body(sdk_as, webchat_target):
    """401 (a token the target does not know) and 403 (a principal lacking the permission) as the SDK sees them."""
    sdk_as(LIST.permission)  # skips without the extra
    sdk.drive(sdk.web_chat_api(webchat_target, None, token=f"wcc-unknown-{uuid.uuid4().hex}"), LIST)
    lacking = webchat_target.lacking(LIST.permission)
    if not lacking:
        pytest.skip(not_verified(f"no principal lacks {LIST.permission}"))
    sdk.drive(sdk.web_chat_api(webchat_target, lacking[0].name), LIST)
