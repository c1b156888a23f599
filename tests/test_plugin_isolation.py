"""The suite's pytest plugins act only where the suite asks for them (its root conftest's ``pytest_plugins``): any
other pytest project in the same environment runs exactly as without webchat-contract installed."""

from __future__ import annotations

import os
import subprocess
import sys

from suite_runner import ROOT

OTHER_PROJECT_TEST = """
import os
import signal

import pytest
from hypothesis import given, settings, strategies as st

import webchat_contract.plugin  # importing the plugin must change nothing
import webchat_contract.reporting.plugin


def test_hypothesis_keeps_its_own_profile():
    # hypothesis's own choice here ("default", or its "ci" where it detects CI), as a plain interpreter saw it
    now = f"{settings.get_current_profile_name()} {settings.default.max_examples} {settings.default.derandomize}"
    assert now == os.environ["WCC_HYPOTHESIS_AS_FOUND"]


def test_sigterm_keeps_its_default_handler():
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_no_suite_plugin_is_active(request):
    manager = request.config.pluginmanager
    assert not manager.has_plugin("webchat_contract.plugin")
    assert not manager.has_plugin("webchat_contract.reporting.plugin")
    assert request.config.getoption("target_config", "absent") == "absent"


@given(st.integers())
def test_hypothesis_runs_as_configured_here(n):
    assert isinstance(n, int)
"""


HYPOTHESIS_AS_FOUND = (
    "from hypothesis import settings; "
    "print(settings.get_current_profile_name(), settings.default.max_examples, settings.default.derandomize)"
)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}


def hypothesis_as_found() -> str:
    """The profile hypothesis loads by itself in this environment, and its two settings that matter here."""
    done = subprocess.run([sys.executable, "-c", HYPOTHESIS_AS_FOUND], env=clean_env(), capture_output=True, text=True)
    return done.stdout.strip()


def test_another_project_in_the_same_environment_is_left_alone(tmp_path):
    (tmp_path / "test_other.py").write_text(OTHER_PROJECT_TEST)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_other.py"]
    env = {**clean_env(), "WCC_HYPOTHESIS_AS_FOUND": hypothesis_as_found()}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout
    assert "webchat-contract" not in done.stdout
    assert not (tmp_path / "reports").exists()
    helped = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
    )
    assert "--target-config" not in helped.stdout and "--reference-fault" not in helped.stdout


IN_PROCESS = """
import signal, sys
import pytest
from hypothesis import settings

def profile():
    return f"{settings.get_current_profile_name()} {settings.default.max_examples} {settings.default.derandomize}"

before = profile()
code = pytest.main(["-c", sys.argv[1], "--rootdir", sys.argv[2], sys.argv[3], "--co", "-q", "-o", "addopts="])
print("status", int(code))
print("profile as before", profile() == before)
print("sigterm after default", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
"""


def test_a_suite_session_uses_its_profile_and_leaves_the_process_as_found(tmp_path):
    script = tmp_path / "in_process.py"
    script.write_text(IN_PROCESS)
    command = [sys.executable, str(script), str(ROOT / "pytest.ini"), str(ROOT), str(ROOT / "suites")]
    done = subprocess.run(command, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert "status 0" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert "profile as before True" in done.stdout
    assert "sigterm after default True" in done.stdout


def test_the_suite_session_loads_the_ci_profile_unless_another_is_asked_for(tmp_path):
    for args, profile in (((), "ci"), (("--hypothesis-profile=nightly",), "nightly")):
        command = [sys.executable, "-m", "pytest", "--co", "-o", "addopts=", "suites/test_happy_path.py", *args]
        done = subprocess.run(command, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"hypothesis profile {profile}" in done.stdout


def test_the_suite_plugins_come_from_its_conftest_not_an_entry_point():
    from importlib.metadata import entry_points

    assert [ep for ep in entry_points(group="pytest11") if ep.value.startswith("webchat_contract")] == []
    assert "webchat_contract.plugin" in (ROOT / "conftest.py").read_text()
