"""The official-SDK suite (suites/test_sdk.py): with the ``sdk`` extra it drives all 8 operations through WebChatApi
and passes the reference target; a target the SDK cannot read fails WC-SDK-COMPAT with the SDK's own symptom; without
the extra its tests are not verified and the verdict does not wait for them."""

import json

import pytest

from suite_runner import run_suite
from webchat_contract import config, sdk, spec
from webchat_contract.reference.faults import BOOLEAN_AS_STRING, TEXT_CONTENT_TYPE
from webchat_contract.reference.server import InProcessTarget
from webchat_contract.target import Target

SDK_SUITE = "suites/test_sdk.py"
needs_the_extra = pytest.mark.skipif(not sdk.installed(), reason="the sdk extra is not installed")


def results_of(run) -> dict:
    """The run's results.json (a run of one suite file writes its bundle under partial/)."""
    partial = run.reports / "partial" / "results.json"
    return json.loads((partial if partial.exists() else run.reports / "results.json").read_text())


def sdk_failures(run) -> str:
    return "\n".join(run.messages[name] for name in run.failed)


@needs_the_extra
def test_the_sdk_suite_passes_the_reference_target_on_all_8_operations(tmp_path):
    run = run_suite(tmp_path / "reports", SDK_SUITE)
    assert run.failed == [] and run.with_outcome("skipped") == [], run.output[-3000:]
    matrix = results_of(run)["matrix"]
    assert {op: row["official SDK"]["result"] for op, row in matrix.items()} == {
        op.operation_id: "passed" for op in spec.operations()
    }


@needs_the_extra
@pytest.mark.parametrize(
    ("fault", "symptom"),
    [
        (TEXT_CONTENT_TYPE, "in the SDK's model, "),  # the SDK reads text/* as a string: an empty model
        (BOOLEAN_AS_STRING, "is True in the SDK's model, 'false' in the answer"),
    ],
)
def test_an_answer_the_sdk_misreads_breaks_the_official_sdk(tmp_path, fault, symptom):
    run = run_suite(tmp_path / "reports", SDK_SUITE, faults=(fault,))
    failed = {r["id"] for r in results_of(run)["requirements"] if r["result"] == "failed"}
    assert failed == {"WC-SDK-COMPAT"}, run.output[-3000:]
    assert sdk.BREAKS in sdk_failures(run) and symptom in sdk_failures(run)


def test_without_the_extra_the_sdk_is_not_verified_and_the_verdict_does_not_wait(tmp_path, monkeypatch):
    shadow = tmp_path / "no-sdk" / sdk.PACKAGE
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("the sdk extra is not installed")\n')
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))
    run = run_suite(tmp_path / "reports")
    results = results_of(run)
    assert run.returncode == 0, run.output[-3000:]
    skipped = run.with_outcome("skipped")
    assert skipped and all(sdk.INSTALL_HINT in run.messages[name] for name in skipped)
    assert results["verdict"] == "CONFORMANT"
    (entry,) = [r for r in results["requirements"] if r["id"] == "WC-SDK-COMPAT"]
    assert entry["result"] == "not verified" and entry["extra"] == "sdk"


@pytest.fixture
def reference():
    with InProcessTarget() as served:
        yield Target(config.parse(served.config_toml(), "reference.toml"))


@needs_the_extra
def test_the_sdk_logs_in_with_its_own_client_credentials_flow_and_its_token_is_redacted(reference):
    api = sdk.web_chat_api(reference, "admin")
    token = api.api_client.access_token
    assert token and token in reference.transcript.secrets()
    listing = sdk.drive(api, spec.operation("getWebchatDeployments"))
    assert listing.total == 0
    (exchange,) = reference.transcript.exchanges  # the token request is not part of a test's transcript
    assert exchange.request_headers["purecloud-sdk"] == sdk.SDK_VERSION
    assert token not in json.dumps(exchange.__dict__, default=str)


@needs_the_extra
def test_every_field_is_compared_with_its_json_type(reference):
    api = sdk.web_chat_api(reference, "admin")
    body = spec.example_body("postWebchatDeployments")
    model = sdk.model_from_json(api, body, "WebChatDeployment")
    assert list(sdk.mismatches(model, body, "d")) == []
    assert list(sdk.mismatches(model, {**body, "disabled": "false"}, "d")) == [
        "d.disabled is False in the SDK's model, 'false' in the answer"
    ]
    assert list(sdk.mismatches(model, {**body, "flow": {**body["flow"], "name": "other"}}, "d")) == [
        f"d.flow.name is {body['flow']['name']!r} in the SDK's model, 'other' in the answer"
    ]
    assert list(sdk.mismatches(model, {**body, "allowedDomains": ["example.com"]}, "d")) == [
        f"d.allowedDomains is {body['allowedDomains']!r} in the SDK's model, ['example.com'] in the answer"
    ]
