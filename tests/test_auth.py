"""Tokens: fetched once per principal with the platform's client-credentials grant, reused, refreshed when they
expire; a refused credential is one line that names the principal and holds no secret."""

import time

import pytest

from webchat_contract import config
from webchat_contract.auth import AuthError, TokenSource
from webchat_contract.client import ApiClient, Transcript
from webchat_contract.operations import LIST
from webchat_contract.reference.server import InProcessTarget


@pytest.fixture
def short_lived():
    """A reference target whose tokens live one second."""
    with InProcessTarget(token_ttl=1) as target:
        yield config.parse(target.config_toml(), "short-lived.toml")


def tokens_for(loaded, name="admin") -> TokenSource:
    return TokenSource(loaded.principals[name], loaded.token_url, timeout=5, verify_tls=True)


def test_a_token_is_fetched_once_and_reused(short_lived):
    source = tokens_for(short_lived)
    assert source.token() == source.token()


def test_an_expired_token_is_fetched_anew(short_lived):
    source = tokens_for(short_lived)
    first = source.token()
    time.sleep(1.1)
    assert source.token() != first


def test_a_token_the_target_calls_expired_is_refreshed_and_the_request_replayed(short_lived):
    source = tokens_for(short_lived)
    client = ApiClient(short_lived.base_url, timeout=5, verify_tls=True, transcript=Transcript(), tokens=source)
    source.token()
    source._expires_at = float("inf")  # the client believes the token is still good; the target does not
    time.sleep(1.1)
    assert client.get(LIST.path).status_code == 200
    assert [e.status for e in client.transcript.exchanges] == [401, 200]


def test_a_refused_client_secret_is_one_line_naming_the_principal(short_lived):
    admin = short_lived.principals["admin"]
    wrong = config.Principal("admin", admin.permissions, client_id=admin.client_id, client_secret="wrong-secret")
    with pytest.raises(AuthError) as refused:
        TokenSource(wrong, short_lived.token_url, timeout=5, verify_tls=True).token()
    message = str(refused.value)
    assert message.startswith("principal 'admin': token endpoint") and "401" in message
    assert "wrong-secret" not in message and "\n" not in message


def test_an_unreachable_token_endpoint_is_one_line(short_lived):
    source = TokenSource(short_lived.principals["admin"], "http://127.0.0.1:9/oauth/token", timeout=2, verify_tls=True)
    with pytest.raises(
        AuthError, match=r"^principal 'admin': token endpoint http://127.0.0.1:9/oauth/token unreachable"
    ):
        source.token()
