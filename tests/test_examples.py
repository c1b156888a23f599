"""The example target configs load as they are, with their environment variables set."""

from pathlib import Path

import pytest

from webchat_contract import config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_example_config_loads(path, monkeypatch):
    for name in ("GENESYS_CLOUD_CLIENT_ID", "GENESYS_CLOUD_CLIENT_SECRET"):
        monkeypatch.setenv(name, f"example-{name.lower()}")
    loaded = config.load(path)
    assert loaded.principals


def test_staging_example_needs_its_environment(monkeypatch):
    monkeypatch.delenv("GENESYS_CLOUD_CLIENT_ID", raising=False)
    with pytest.raises(config.ConfigError, match="GENESYS_CLOUD_CLIENT_ID is not set"):
        config.load(EXAMPLES / "staging.toml")
