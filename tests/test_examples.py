"""The examples shipped in examples/: target configs that load, a CI workflow that gates and runs the nightly."""

from __future__ import annotations

import yaml

from suite_runner import ROOT
from webchat_contract import config
from webchat_contract.reference.principals import permission_sets

# --- examples -----------------------------------------------------------------------------------------------------

EXAMPLES = ROOT / "examples"


def test_the_example_target_configs_load(monkeypatch):
    mock_tokens = [f"MOCK_{principal.upper().replace('-', '_')}_TOKEN" for principal in permission_sets()]
    for name in ("GENESYS_CLOUD_CLIENT_ID", "GENESYS_CLOUD_CLIENT_SECRET", *mock_tokens):
        monkeypatch.setenv(name, f"value-of-{name}")
    staging = config.load(EXAMPLES / "staging.toml")
    assert staging.base_url == "https://api.usw2.pure.cloud" and staging.destructive
    assert staging.principals["admin"].client_id == "value-of-GENESYS_CLOUD_CLIENT_ID"
    assert staging.principals["admin"].client_secret == "value-of-GENESYS_CLOUD_CLIENT_SECRET"
    mock = config.load(EXAMPLES / "local-mock.toml")
    assert mock.is_loopback
    assert {name: p.permissions for name, p in mock.principals.items()} == {
        name: frozenset(held) for name, held in permission_sets().items()
    }


def test_the_example_workflow_gates_pushes_and_runs_the_nightly_per_seed():
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    gate, nightly = workflow["jobs"]["gate"], workflow["jobs"]["nightly"]
    assert "push" in workflow[True] and "schedule" in workflow[True]  # YAML 1.1 reads the key `on` as true
    assert len(nightly["strategy"]["matrix"]["seed"]) > 1
    assert any("tox -e nightly" in step.get("run", "") for step in nightly["steps"])
    for job in (gate, nightly):
        uploads = [step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact")]
        assert uploads and uploads[0]["with"]["path"] == "reports/" and uploads[0]["if"] == "always()"
