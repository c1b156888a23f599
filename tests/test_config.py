"""The target config file: the documented form loads; every mistake is one line naming the file and key."""

import base64
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from webchat_contract import config
from webchat_contract.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]
ALL = (
    '["webchat:deployment:read", "webchat:deployment:create", "webchat:deployment:update", "webchat:deployment:delete"]'
)
DOCUMENTED = f"""
[target]
base_url = "https://api.usw2.pure.cloud"
token_url = "https://login.usw2.pure.cloud/oauth/token"
destructive = true
timeout = 10
verify_tls = true

[principals.admin]
permissions = {ALL}
token = "secret-token"
"""


def parse(text: str):
    return config.parse(textwrap.dedent(text), "target.toml")


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("target.toml: ")
    return message


def test_documented_form_loads():
    loaded = parse(DOCUMENTED)
    assert loaded.base_url == "https://api.usw2.pure.cloud"
    assert loaded.token_url == "https://login.usw2.pure.cloud/oauth/token"
    assert loaded.destructive and loaded.verify_tls and loaded.timeout == 10
    admin = loaded.principals["admin"]
    assert admin.token == "secret-token" and len(admin.permissions) == 4
    assert "secret-token" not in repr(loaded)


def test_token_url_defaults_to_the_login_host():
    loaded = parse(
        '[target]\nbase_url = "https://api.mypurecloud.ie/"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )
    assert loaded.token_url == "https://login.mypurecloud.ie/oauth/token"
    assert loaded.base_url == "https://api.mypurecloud.ie"


def test_destructive_defaults_to_false_off_this_machine_and_true_on_loopback():
    remote = parse(
        '[target]\nbase_url = "https://api.usw2.pure.cloud"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )
    local = parse(
        '[target]\nbase_url = "http://127.0.0.1:8080"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )
    assert not remote.destructive and local.destructive


def test_client_credentials_and_env_vars(monkeypatch):
    monkeypatch.setenv("WCC_SECRET", "s3cret-value")
    monkeypatch.setenv("WCC_TOKEN", "t0ken-value")
    monkeypatch.setenv("WCC_CLIENT", "client-from-env")
    loaded = parse(
        """
        [target]
        base_url = "https://api.usw2.pure.cloud"
        [principals.cc]
        permissions = ["webchat:deployment:read"]
        client_id = "id"
        client_secret_env = "WCC_SECRET"
        [principals.env]
        permissions = []
        token_env = "WCC_TOKEN"
        [principals.cc-env]
        permissions = []
        client_id_env = "WCC_CLIENT"
        client_secret_env = "WCC_SECRET"
        """
    )
    assert loaded.principals["cc-env"].client_id == "client-from-env"
    assert loaded.principals["cc"].client_secret == "s3cret-value" and loaded.principals["cc"].uses_client_credentials
    assert loaded.principals["env"].token == "t0ken-value"
    basic = {base64.b64encode(f"{client}:s3cret-value".encode()).decode() for client in ("id", "client-from-env")}
    assert set(loaded.secrets()) == {"s3cret-value", "t0ken-value"} | basic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[target]\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n', "[target] base_url is missing"),
        ('[principals.a]\npermissions = []\ntoken = "t0ken-value"\n', "[target] table is missing"),
        (
            '[target]\nbase_url = "https://x"\nbase_uri = "y"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n',
            "[target] base_uri: unknown key",
        ),
        (
            '[target]\nbase_url = "ftp://x"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n',
            "[target] base_url must be an http(s) URL",
        ),
        (
            '[target]\nbase_url = "https://x"\ntimeout = "10"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n',
            "[target] timeout must be int or float, not str",
        ),
        (
            '[target]\nbase_url = "https://x"\ndestructive = 1\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n',
            "[target] destructive must be bool, not int",
        ),
        ('[target]\nbase_url = "https://x"\n', "no principal configured"),
        (
            '[target]\nbase_url = "https://x"\n[principals.a]\npermissions = []\n',
            "[principals.a] needs exactly one credential of token, token_env, client_id, client_id_env (found: none)",
        ),
        (
            '[target]\nbase_url = "https://x"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\ntoken_env = "E"\n',
            "client_id_env (found: token, token_env)",
        ),
        (
            '[target]\nbase_url = "https://x"\n[principals.a]\npermissions = []\nclient_id = "c"\n',
            "[principals.a] client_id needs exactly one of client_secret, client_secret_env",
        ),
        (
            '[target]\nbase_url = "https://x"\n[principals.a]\npermissions = ["webchat:x:y"]\ntoken = "t0ken-value"\n',
            "[principals.a] permissions: unknown permission 'webchat:x:y'",
        ),
        (
            '[target]\nbase_url = "https://x"\n[principals.a]\ntoken = "t0ken-value"\n',
            "[principals.a] permissions is missing",
        ),
        (
            '[target]\nbase_url = "https://x"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\nrole = "x"\n',
            "[principals.a] role: unknown key",
        ),
        (
            '[target]\nbase_url = "https://x"\n[principals.a]\npermissions = []\ntoken_env = "WCC_UNSET_VAR"\n',
            "[principals.a] token_env: environment variable WCC_UNSET_VAR is not set",
        ),
        ('[target]\nbase_url = "https://x"\n[extra]\n', "unknown table [extra]"),
        ('[target\nbase_url = "https://x"\n', "not valid TOML"),
    ],
)
def test_mistake_is_one_line_naming_file_and_key(text, expected, monkeypatch):
    monkeypatch.delenv("WCC_UNSET_VAR", raising=False)
    assert expected in error_of(text)


def test_unreadable_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"missing\.toml: cannot read the target config"):
        config.load(tmp_path / "missing.toml")


def run_pytest(tmp_path, *args):
    return subprocess.run(
        [sys.executable, "-m", "pytest", f"--junitxml={tmp_path}/j.xml", f"--html={tmp_path}/r.html", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_config_stops_the_run_before_any_test(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[target]\nbase_url = "https://x"\n[principals.a]\npermissions = []\n')
    run = run_pytest(tmp_path, "suites", "--target-config", str(bad))
    assert run.returncode == 4, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    expected = "[principals.a] needs exactly one credential of token, token_env, client_id, client_id_env (found: none)"
    assert errors == [f"ERROR: {bad}: {expected}"]


def test_config_path_taken_for_a_test_path_is_one_clear_line(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(
        '[target]\nbase_url = "http://127.0.0.1:9"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )
    # the suite's plugin loaded before pytest reads the command line (-p) can say what happened in one line
    run = run_pytest(tmp_path, "-p", "webchat_contract.plugin", "--target-config", str(good))
    assert run.returncode == 4
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and f"pytest suites --target-config {good}" in errors[0]
    # without it, the suite's conftest is never found there (its plugin is active only where it asks for it):
    # pytest's own usage error, still naming the option
    run = run_pytest(tmp_path, "--target-config", str(good))
    assert run.returncode == 4 and "Traceback" not in run.stderr
    assert "unrecognized arguments: --target-config" in run.stderr


def test_request_rate_is_bounded_off_this_machine_unless_configured():
    remote = parse(
        '[target]\nbase_url = "https://api.usw2.pure.cloud"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )
    local = parse(
        '[target]\nbase_url = "http://127.0.0.1:8080"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )
    principal = '[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    faster = parse('[target]\nbase_url = "https://x"\nmax_requests_per_second = 50\n' + principal)
    assert remote.max_requests_per_second == config.DEFAULT_REMOTE_RATE
    assert local.max_requests_per_second is None and faster.max_requests_per_second == 50
    assert "must be a positive number" in error_of(
        '[target]\nbase_url = "https://x"\nmax_requests_per_second = 0\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )


def test_a_secret_too_short_to_redact_is_refused():
    assert "fewer than 8 characters cannot be redacted" in error_of(
        '[target]\nbase_url = "https://x"\n[principals.a]\npermissions = []\ntoken = "short"\n'
    )
