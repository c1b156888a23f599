"""Requests as the platform's SDKs send them: the client sends their headers by default, a refusal of that shape
is judged once (WC-REQ-CLIENT-HEADERS) and not again by every test that needed to read something."""

import json

import pytest

from suite_runner import run_suite
from webchat_contract import config, request_shape
from webchat_contract.operations import LIST
from webchat_contract.reference.server import InProcessTarget
from webchat_contract.target import Target

CONTENT_TYPE_WITHOUT_BODY_REFUSED = "content-type-without-body-refused"
CONTENT_TYPE_REQUIRED = "content-type-required"


@pytest.fixture
def refusing():
    """A target that refuses a GET or DELETE carrying a Content-Type, as a strict media-type filter would."""
    with InProcessTarget(faults=[CONTENT_TYPE_WITHOUT_BODY_REFUSED]) as target:
        yield Target(config.parse(target.config_toml(), "refusing.toml"))


def sent_headers(target: Target) -> list[dict[str, str]]:
    return [exchange.request_headers for exchange in target.transcript.exchanges]


def test_the_client_sends_the_sdk_headers_by_default():
    with InProcessTarget() as served:
        target = Target(config.parse(served.config_toml(), "plain.toml"))
        assert target.client("admin").get(LIST.path).status_code == 200
    (headers,) = sent_headers(target)
    assert headers["Content-Type"] == headers["Accept"] == request_shape.JSON
    assert headers["purecloud-sdk"] == request_shape.SDK_VERSION
    assert headers["User-Agent"] == request_shape.SDK_USER_AGENT


def test_a_refused_sdk_shape_is_sent_again_in_the_minimal_shape(refusing):
    response = refusing.client("admin").get(LIST.path)
    assert response.status_code == 200
    assert [e.status for e in refusing.transcript.exchanges] == [415, 200]
    assert "Content-Type" not in sent_headers(refusing)[1]


def test_an_explicit_shape_is_never_replaced(refusing):
    assert refusing.client("admin").get(LIST.path, shape=request_shape.SDK).status_code == 415
    assert len(refusing.transcript.exchanges) == 1


def test_a_request_with_a_body_keeps_its_shape(refusing):
    """Only a bodiless request is sent again: a refused POST or PUT is a verdict of its own tests."""
    client = refusing.client("admin")
    assert client.put("/api/v2/webchat/settings", "not an object").status_code == 400
    assert len(refusing.transcript.exchanges) == 1


def test_refusing_sdk_shaped_requests_fails_exactly_wc_req_client_headers(tmp_path):
    run = run_suite(tmp_path / "reports", faults=(CONTENT_TYPE_WITHOUT_BODY_REFUSED,))
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    failed = {r["id"] for r in results["requirements"] if r["result"] == "failed"}
    assert run.returncode == 1, run.output[-2000:]
    assert failed == {"WC-REQ-CLIENT-HEADERS"}, failed
    assert {name.split("[")[0] for name in run.failed} == {
        "test_sdk_shaped_request_is_served",
        "test_bodiless_request_is_served_whatever_its_content_type",
    }


def test_a_target_requiring_a_content_type_serves_the_sdk_shape_but_not_the_minimal_one():
    with InProcessTarget(faults=[CONTENT_TYPE_REQUIRED]) as served:
        target = Target(config.parse(served.config_toml(), "requiring.toml"))
        client = target.client("admin")
        assert client.get(LIST.path).status_code == 200
        assert client.get(LIST.path, shape=request_shape.MINIMAL).status_code == 415
