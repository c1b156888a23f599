"""One request path: every request to the target, the suite client's and schemathesis's generated ones alike, goes
through the run's session: it waits on the limiter, is recorded once in the transcript (redacted, with the principal
whose token it carries), and a 401 to a principal's expired token is sent once more with a fresh one."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from requests.adapters import HTTPAdapter

from suite_runner import run_suite
from webchat_contract import config
from webchat_contract.generated import load_schema
from webchat_contract.operations import CREATE, DELETE, LIST
from webchat_contract.reference.principals import ADMIN
from webchat_contract.reference.server import InProcessTarget
from webchat_contract.reporting import selection
from webchat_contract.reporting.redact import REDACTED
from webchat_contract.target import Target
from webchat_contract.transport import RateLimiter


class CountingAdapter(HTTPAdapter):
    """Counts what goes on the wire: each request actually sent to the target."""

    sent = 0

    def send(self, request, **kwargs):
        self.sent += 1
        return super().send(request, **kwargs)


class CountingLimiter(RateLimiter):
    def __init__(self) -> None:
        super().__init__(None)
        self.waits = 0

    def wait(self) -> None:
        self.waits += 1


def served_target(**options) -> Iterator[tuple[Target, CountingAdapter]]:
    with InProcessTarget(**options) as served:
        target = Target(config.parse(served.config_toml(), "target.toml"))
        wire = CountingAdapter()
        target.session.mount("http://", wire)
        yield target, wire


@pytest.fixture
def target() -> Iterator[tuple[Target, CountingAdapter]]:
    yield from served_target()


@pytest.fixture
def short_lived() -> Iterator[tuple[Target, CountingAdapter]]:
    """Tokens live one second."""
    yield from served_target(token_ttl=1)


def generated_call(target: Target, token: str, operation=LIST, **case):
    """What test_generated does with a case: schemathesis sends it through the run's session."""
    case = load_schema()[operation.path][operation.method.upper()].Case(**case)
    return case.call(
        base_url=target.base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
        session=target.session,
    )


def everything_recorded(target: Target) -> str:
    return "\n".join(repr(exchange) for exchange in target.transcript.exchanges)


def test_a_generated_call_is_recorded_once_redacted_as_its_principal(target):
    target, wire = target
    token = target.token_of(target.config.principals[ADMIN])
    response = generated_call(target, token, CREATE, body={"name": "wcc-recorded"}, media_type="application/json")
    assert response.status_code == 200
    (exchange,) = target.transcript.exchanges
    assert wire.sent == target.transcript.sent == 1
    assert (exchange.method, exchange.url, exchange.status) == ("POST", target.base_url + CREATE.path, 200)
    assert exchange.principal == ADMIN
    assert exchange.request_headers["Authorization"] == REDACTED
    assert "wcc-recorded" in exchange.request_body and "wcc-recorded" in exchange.response_body
    assert token not in everything_recorded(target)
    assert target.client(ADMIN).delete(DELETE.url_path(response.json()["id"])).status_code < 300


def test_the_suites_client_records_each_request_once(target):
    target, wire = target
    assert target.client(ADMIN).get(LIST.path).status_code == 200
    assert target.anonymous().get(LIST.path).status_code == 401
    assert wire.sent == target.transcript.sent == len(target.transcript.exchanges) == 2
    assert [e.principal for e in target.transcript.exchanges] == [ADMIN, None]


def test_a_generated_call_with_an_expired_token_gets_a_fresh_one_and_passes(short_lived):
    target, wire = short_lived
    expired = target.token_of(target.config.principals[ADMIN])
    time.sleep(1.1)  # the target now answers 401 to it
    assert generated_call(target, expired).status_code == 200
    # a later call still carrying the replaced token is sent with the current one, without fetching another
    fresh = target.token_of(target.config.principals[ADMIN])
    assert generated_call(target, expired).status_code == 200
    assert target.token_of(target.config.principals[ADMIN]) == fresh != expired
    assert [e.status for e in target.transcript.exchanges] == [401, 200, 401, 200]
    assert [e.principal for e in target.transcript.exchanges] == [ADMIN] * 4
    assert wire.sent == target.transcript.sent == 4
    recorded = everything_recorded(target)
    assert expired not in recorded and fresh not in recorded


def test_a_401_to_a_token_that_is_no_principals_is_not_sent_again(short_lived):
    target, wire = short_lived
    assert generated_call(target, "not-a-token-of-the-run").status_code == 401
    assert wire.sent == 1 and target.transcript.exchanges[0].principal is None
    assert "not-a-token-of-the-run" not in target.secrets()  # only the run's tokens are secrets (redacted everywhere)


def test_the_limiter_bounds_generated_calls_and_the_resent_ones(short_lived):
    target, wire = short_lived
    target.session.limiter = limiter = CountingLimiter()
    expired = target.token_of(target.config.principals[ADMIN])
    time.sleep(1.1)
    generated_call(target, expired)
    target.client(ADMIN).get(LIST.path)
    assert limiter.waits == wire.sent == 3


def test_a_generated_failure_shows_the_generated_request_that_failed(tmp_path):
    """The report's exchange of a generated failure comes from the transcript: the request schemathesis sent."""
    reports = tmp_path / "reports"
    run = run_suite(reports, "suites/test_generated.py", faults=("500-on-non-ascii",))
    assert run.returncode == 1, run.output[-2000:]
    causes = json.loads(selection.partial_path(reports / "results.json").read_text())["causes"]
    exchanges = [cause["exchange"] for cause in causes if cause["requirement"] == "WC-RESP-NO-5XX"]
    assert exchanges and all(exchange["status"] == 500 for exchange in exchanges)
    for exchange in exchanges:
        assert exchange["principal"] == ADMIN and '"Authorization: Bearer $WEBCHAT_TOKEN_ADMIN"' in exchange["curl"]
        assert exchange["request_headers"]["Authorization"] == REDACTED
