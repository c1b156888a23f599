"""The example target configs load as they are, with the environment variables they name set."""

import tomllib
from pathlib import Path

import pytest

from webchat_contract import config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def env_names(path: Path) -> list[str]:
    principals = tomllib.loads(path.read_text())["principals"].values()
    return [value for principal in principals for key, value in principal.items() if key.endswith("_env")]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_example_config_loads(path, monkeypatch):
    for name in env_names(path):
        monkeypatch.setenv(name, f"example-{name.lower()}")
    assert config.load(path).principals


def test_staging_example_reads_its_client_id_from_the_environment(monkeypatch):
    monkeypatch.setenv("GENESYS_CLOUD_CLIENT_SECRET", "example-secret")
    monkeypatch.delenv("GENESYS_CLOUD_CLIENT_ID", raising=False)
    with pytest.raises(config.ConfigError, match="GENESYS_CLOUD_CLIENT_ID is not set"):
        config.load(EXAMPLES / "staging.toml")
