"""The suite passes a correct target, leaves it as found, and says so loudly when it cannot do its job."""

import tomllib

import pytest

from suite_runner import admin_session, run_suite
from webchat_contract.reference.server import EmbeddedTarget

DEPLOYMENTS = "/api/v2/webchat/deployments"
SETTINGS = "/api/v2/webchat/settings"


@pytest.fixture
def reference(tmp_path):
    """A reference target of the test's own, reached through a target config (as any other server would be)."""
    with EmbeddedTarget(tmp_path / "target") as target:
        yield target


def static_token_config(config_text: str, admin_token: str) -> str:
    """The same config with the admin's client credentials replaced by a static token."""
    lines = []
    for line in config_text.splitlines():
        if line.startswith("client_id"):
            lines.append(f'token = "{admin_token}"')
        elif not line.startswith("client_secret"):
            lines.append(line)
    return "\n".join(lines) + "\n"


def test_suite_passes_against_the_embedded_reference_target(tmp_path):
    run = run_suite(tmp_path / "reports")
    assert run.returncode == 0, run.output
    assert run.failed == [] and run.with_outcome("skipped") == []
    assert len(run.outcomes) > 100


@pytest.mark.parametrize(
    ("credentials", "workers"),
    [("client-credentials", ()), ("static-token", ()), ("client-credentials", ("-n", "2"))],
    ids=["client-credentials", "static-token", "two-workers-one-target"],
)
def test_suite_passes_through_a_target_config_and_leaves_the_target_as_found(reference, tmp_path, credentials, workers):
    text = reference.config_path.read_text()
    config = tomllib.loads(text)
    base = config["target"]["base_url"]
    admin = admin_session(reference.config_path)
    foreign = admin.post(base + DEPLOYMENTS, json={"name": "not the suite's", "allowedDomains": ["a.example"]}).json()
    admin.put(base + SETTINGS, json={"requireDeployment": True})
    if credentials == "static-token":
        text = static_token_config(text, admin.headers["Authorization"].removeprefix("Bearer "))
    config_path = tmp_path / "target.toml"
    config_path.write_text(text)

    run = run_suite(tmp_path / "reports", f"--target-config={config_path}", *workers)

    assert run.returncode == 0, run.output
    assert run.failed == [] and run.with_outcome("skipped") == []
    assert len(run.outcomes) > 200
    assert admin.get(base + DEPLOYMENTS).json()["entities"] == [foreign]
    assert admin.get(base + SETTINGS).json() == {"requireDeployment": True}


def test_a_credential_that_does_not_work_stops_the_run_naming_the_principal(reference, tmp_path):
    text = reference.config_path.read_text()
    config_path = tmp_path / "target.toml"
    config_path.write_text(
        text.replace(
            '[principals.only-read]\npermissions = ["webchat:deployment:read"]\ntoken = "',
            '[principals.only-read]\npermissions = ["webchat:deployment:read"]\ntoken = "x',
        )
    )
    run = run_suite(tmp_path / "reports", f"--target-config={config_path}")
    assert run.returncode == 3, run.output
    assert "principal 'only-read' is not accepted" in run.output
    assert run.with_outcome("passed") == []


def test_wrong_client_secret_stops_the_run_naming_the_principal(reference, tmp_path):
    text = reference.config_path.read_text()
    secret = tomllib.loads(text)["principals"]["admin"]["client_secret"]
    config_path = tmp_path / "target.toml"
    config_path.write_text(text.replace(secret, "wrong-" + secret))
    run = run_suite(tmp_path / "reports", f"--target-config={config_path}")
    assert run.returncode == 3, run.output
    assert "principal 'admin': token endpoint" in run.output and "answered 401" in run.output
    assert secret not in run.output


def test_without_destructive_only_read_only_tests_run(reference, tmp_path):
    config_path = tmp_path / "target.toml"
    config_path.write_text(reference.config_path.read_text().replace("destructive = true", "destructive = false"))
    run = run_suite(tmp_path / "reports", f"--target-config={config_path}")
    assert run.returncode == 0, run.output
    assert run.failed == []
    skipped = run.with_outcome("skipped")
    assert "test_create_deployment" in skipped and "test_list_deployments" in run.with_outcome("passed")
    assert all("destructive = false" in run.messages[name] for name in skipped)


def test_cells_no_configured_principal_can_exercise_are_not_verified(reference, tmp_path):
    """Only admin and none: the denials to a principal holding other permissions cannot be shown."""
    text = reference.config_path.read_text()
    kept = [
        block for block in text.split("\n\n") if not block.startswith(("[principals.only-", "[principals.all-but-"))
    ]
    config_path = tmp_path / "target.toml"
    config_path.write_text("\n\n".join(kept))
    run = run_suite(tmp_path / "reports", f"--target-config={config_path}", "suites/test_permissions.py")
    assert run.returncode == 0, run.output
    skipped = run.with_outcome("skipped")
    assert len(skipped) == 8 and all("-denied]" in name for name in skipped)
    assert all("not verified: no principal lacks" in run.messages[name] for name in skipped)
    assert "test_permission[deleteWebchatDeployment[none]-denied]" in run.with_outcome("passed")
