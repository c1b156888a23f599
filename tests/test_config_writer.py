"""The one writer of the target config format, beside its parser: whatever it writes reads back as it was."""

import pytest

from webchat_contract import config
from webchat_contract.reference.principals import generate_principals
from webchat_contract.reference.server import target_config_toml, write_private_file


def _round_trip(original: config.TargetConfig) -> config.TargetConfig:
    parsed = config.parse(config.dumps(original), original.source)
    assert parsed == original
    return parsed


def test_the_reference_targets_config_reads_back_as_written():
    principals = generate_principals()
    parsed = config.parse(target_config_toml("http://127.0.0.1:8123", principals), "written")
    assert parsed.principals == dict(principals)
    assert (parsed.base_url, parsed.destructive, parsed.max_requests_per_second) == (
        "http://127.0.0.1:8123",
        True,
        None,
    )
    _round_trip(parsed)


def test_every_setting_round_trips_through_the_one_writer():
    remote = config.TargetConfig(
        base_url="https://webchat.example.com",
        token_url="https://login.example.com/oauth/token",
        destructive=False,
        timeout=2.5,
        verify_tls=False,
        principals={
            "reader": config.Principal("reader", frozenset({"webchat:deployment:read"}), token='a"quoted\\token'),
            "writer": config.Principal(
                "writer", frozenset(config.spec.permissions()), client_id="client-1", client_secret="s3cret-s3cret"
            ),
        },
        source="remote.toml",
        max_requests_per_second=3.0,
        max_response_bytes=65536,
    )
    assert _round_trip(remote).principals["reader"].token == 'a"quoted\\token'


def test_an_unbounded_rate_for_a_remote_target_is_not_silently_written_as_the_default():
    remote = config.TargetConfig("https://webchat.example.com", "https://webchat.example.com/t", False, 10.0, True, {})
    with pytest.raises(ValueError, match="unbounded"):
        config.dumps(remote)


def test_the_reference_target_writes_its_config_for_its_owner_only(tmp_path):
    path = tmp_path / "sub" / "target.toml"
    write_private_file(path, "[target]\n")
    assert path.read_text() == "[target]\n" and path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["target.toml"]
