"""Each misbehaviour (a hostile condition, not a breach of the contract) does what it says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from target_api import Api, assert_error, media_type

from webchat_contract.operations import CREATE, GET_SETTINGS, LIST
from webchat_contract.reference import (
    FAULTS,
    MISBEHAVIOURS,
    EmbeddedTarget,
    EmbeddedTargetError,
    InProcessTarget,
    validate_misbehaviours,
)


def test_hang_never_answers_but_the_token_endpoint_does(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["hang"]))  # logging in works
    with pytest.raises(requests.Timeout):
        api.request(LIST, timeout=0.5)
    with pytest.raises(requests.Timeout):
        api.request(CREATE, timeout=0.5)


def test_slow_delays_the_answers(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["slow"]))
    with pytest.raises(requests.Timeout):
        api.request(LIST, timeout=0.05)
    assert api.request(LIST).status_code == 200


def test_drop_connection_closes_without_an_answer(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["drop-connection"]))
    for op in (LIST, CREATE, LIST):
        with pytest.raises(requests.ConnectionError):
            api.request(op)


def test_html_errors_answer_a_502_page(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["html-errors"]))
    for op in (LIST, CREATE):
        response = api.request(op)
        assert response.status_code == 502
        assert media_type(response) == "text/html"
        assert "<html>" in response.text


def test_always_500_answers_500_error_bodies(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["always-500"]))
    for op in (LIST, CREATE, GET_SETTINGS):
        assert_error(api.request(op), 500, "internal.server.error")


def test_throttle_answers_429_to_every_third_request(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["throttle"]))
    responses = [api.request(op) for op in (LIST, CREATE, LIST, GET_SETTINGS, LIST, CREATE)]
    assert [response.status_code for response in responses] == [200, 200, 429, 200, 200, 429]
    for throttled in (responses[2], responses[5]):
        assert_error(throttled, 429, "too.many.requests")
        assert throttled.headers["Retry-After"] == "1"
    assert len(api.deployments()) == 1  # the throttled POST did nothing


def test_throttle_forever_answers_429_to_every_request(serve: Callable[..., InProcessTarget]) -> None:
    api = Api.of(serve(misbehaviours=["throttle-forever"]))
    for op in (LIST, CREATE, LIST):
        response = api.request(op)
        assert_error(response, 429, "too.many.requests")
        assert response.headers["Retry-After"] == "120"


def test_every_misbehaviour_is_started_by_some_test() -> None:
    """Each misbehaviour's name, quoted, in the project's tests (here, test_hostile_targets.py, test_safety.py...)."""
    tests = Path(__file__).parents[1]
    sources = "".join(path.read_text(encoding="utf-8") for path in tests.rglob("test_*.py"))
    assert [name for name in MISBEHAVIOURS if f'"{name}"' not in sources] == []


def test_misbehaviours_spare_the_token_endpoint_and_leave_faults_apart(serve: Callable[..., InProcessTarget]) -> None:
    assert not set(MISBEHAVIOURS) & set(FAULTS)
    api = Api.of(serve(misbehaviours=list(MISBEHAVIOURS)))  # even all at once
    assert api.fetch_token()


def test_an_unknown_misbehaviour_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown misbehaviour 'no-such-mode'"):
        validate_misbehaviours(["slow", "no-such-mode"])
    with pytest.raises(EmbeddedTargetError, match="unknown misbehaviour") as raised:
        EmbeddedTarget(tmp_path, misbehaviours=["no-such-mode"]).start()
    assert "\n" not in str(raised.value)
    with pytest.raises(ValueError, match="unknown misbehaviour"):
        InProcessTarget(misbehaviours=["no-such-mode"])
