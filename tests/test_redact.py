"""One redaction step: whole secrets, any piece of one of 8 characters or more (a cut text), Basic values."""

import base64

import pytest

from webchat_contract.config import parse
from webchat_contract.reporting.redact import MIN_PIECE, REDACTED, Redactor, redact_in_place, redact_json

TOKEN = "Zq3xT0kenValue-With_Length42xxxxxxxxxxxxxx"


def test_a_whole_secret_and_every_piece_of_eight_or_more_characters_is_replaced():
    redact = Redactor([TOKEN])
    assert redact(f"sent {TOKEN}.") == f"sent {REDACTED}."
    for cut in (MIN_PIECE, 20, len(TOKEN) - 1):
        assert TOKEN[:cut] not in redact(f"body: '{TOKEN[:cut]}... (truncated)")  # a prefix left by a cut
        assert TOKEN[-cut:] not in redact(f"{TOKEN[-cut:]}")  # and what follows a cut
        assert TOKEN[5 : 5 + cut] not in redact(f"x{TOKEN[5 : 5 + cut]}y")


def test_shorter_pieces_and_ordinary_text_stay():
    redact = Redactor([TOKEN])
    text = f"a piece of {MIN_PIECE - 1} characters stays: {TOKEN[: MIN_PIECE - 1]}; so does ordinary text"
    assert redact(text) == text


def test_secrets_learnt_later_are_redacted_too():
    redact = Redactor(["configured-secret"])
    redact.add([TOKEN])
    assert redact(f"configured-secret {TOKEN}") == f"{REDACTED} {REDACTED}"


def test_any_bearer_or_basic_value_is_replaced_even_unknown():
    assert Redactor()("Authorization: Bearer abcdefgh12345") == f"Authorization: Bearer {REDACTED}"
    assert Redactor()("Basic dXNlcjpwYXNzd29yZA==") == f"Basic {REDACTED}"


def test_the_configuration_knows_the_basic_value_of_each_client():
    config = parse(
        '[target]\nbase_url = "http://127.0.0.1:1"\n'
        '[principals.c]\npermissions = []\nclient_id = "the-client"\nclient_secret = "the-client-secret"\n',
        "t.toml",
    )
    basic = base64.b64encode(b"the-client:the-client-secret").decode()
    assert basic in config.secrets()
    assert Redactor(config.secrets())(f"echo: {basic[:12]}") == f"echo: {REDACTED}"


def test_json_is_redacted_in_every_string():
    data = {"message": f"quoted {TOKEN}", TOKEN: [TOKEN[:10], 3, None]}
    assert redact_json(data, Redactor([TOKEN])) == {"message": f"quoted {REDACTED}", REDACTED: [REDACTED, 3, None]}


def test_a_failure_representation_keeps_its_structure_when_redacted():
    try:
        raise AssertionError(f"the target echoed {TOKEN}")
    except AssertionError:
        longrepr = pytest.ExceptionInfo.from_current().getrepr(showlocals=True)
    redact_in_place(longrepr, Redactor([TOKEN]))
    assert TOKEN[:MIN_PIECE] not in str(longrepr)
    assert longrepr.reprcrash.message == f"AssertionError: the target echoed {REDACTED}"
