"""The installed tool, as a new user gets it: the wheel built from this checkout, installed into a fresh virtual
environment outside it, the suite run from there against ``webchat-contract serve``, and its bundle verified.

Slow (a build and a fresh install, about 2 minutes): marked ``packaging``, left out of ``pytest tests``; run it with
``pytest tests -m packaging`` or ``tox -e packaging``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from suite_runner import ROOT

pytestmark = pytest.mark.packaging

TEMPLATES = ROOT / "src" / "webchat_contract" / "reporting" / "templates"
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 600


def run(command: list, cwd: Path, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
    # a clean environment for the installed tool: nothing of this checkout's virtual environment or its pytest
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "VIRTUAL_ENV", "PYTHONPATH"))}
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    done = run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT], ROOT, INSTALL_TIMEOUT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (built,) = dist.glob("webchat_contract-*.whl")
    return built


@pytest.fixture(scope="module")
def venv_bin(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment, outside the checkout, with the wheel and its sign extra installed."""
    venv = tmp_path_factory.mktemp("venv")
    assert ROOT not in venv.parents
    done = run([sys.executable, "-m", "venv", venv], venv)
    assert done.returncode == 0, done.stderr
    done = run([venv / "bin" / "python", "-m", "pip", "install", "-q", f"{wheel}[sign]"], venv, INSTALL_TIMEOUT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return venv / "bin"


@pytest.fixture(scope="module")
def served(venv_bin, tmp_path_factory):
    """``webchat-contract serve`` of the installed tool on a free port; yields its target config."""
    base = tmp_path_factory.mktemp("served")
    config = base / "target.toml"
    command = [str(venv_bin / "webchat-contract"), "serve", "--port", "0", "--write-config", str(config)]
    server = subprocess.Popen(command, cwd=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(300):
            if config.exists() and "[principals" in config.read_text():
                break
            assert server.poll() is None, server.stdout.read()
            time.sleep(0.1)
        yield config
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_wheel_carries_the_suite_its_conftest_settings_schemas_and_report_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(path.name for path in TEMPLATES.glob("*.j2"))
    assert templates, f"no report template in {TEMPLATES}"
    expected = {
        "webchat_contract/suites/__init__.py",
        "webchat_contract/suites/conftest.py",
        "webchat_contract/suites/pytest.ini",
        "webchat_contract/schemas/openapi.yaml",
        "webchat_contract/schemas/requirements.yaml",
        *(f"webchat_contract/suites/{path.name}" for path in (ROOT / "suites").glob("test_*.py")),
        "webchat_contract/reporting/report.css",
        *(f"webchat_contract/reporting/templates/{name}" for name in templates),
    }
    assert expected <= names, sorted(expected - names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "pytest11" not in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_tool_says_where_its_suite_is(venv_bin, tmp_path):
    done = run([venv_bin / "webchat-contract", "--version"], tmp_path)
    assert done.returncode == 0 and "suite installed at" in done.stdout, done.stdout + done.stderr
    assert str(ROOT) not in done.stdout


def test_run_against_serve_is_conformant_signed_and_verifies(venv_bin, served, tmp_path):
    tool = venv_bin / "webchat-contract"
    assert run([tool, "keygen", "key.pem", "key.pub"], tmp_path).returncode == 0
    done = run([tool, "run", "--target-config", served, "--out", "out", "--sign-key", "key.pem", "-q"], tmp_path)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    assert "webchat-contract: CONFORMANT" in done.stdout
    certificate = json.loads((tmp_path / "out" / "certificate.json").read_text())
    assert certificate["certifies"].startswith("the server at http://127.0.0.1:")
    assert certificate["signature"]["algorithm"] == "ed25519"
    for name in ("report.html", "junit.xml", "results.json", "certificate.json"):
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == 0o644, name
    verified = run([tool, "verify", "out", "--public-key", "key.pub"], tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1] == "out: valid bundle, CONFORMANT"
    assert "signature: valid" in verified.stdout


def test_pytest_pyargs_runs_the_installed_suite(venv_bin, served, tmp_path, monkeypatch):
    """Options of the suite need its plugin loaded before pytest reads them (-p); the target can also come from the
    environment, with nothing but --pyargs."""
    command = [venv_bin / "pytest", "--pyargs", "webchat_contract.suites", "-q", "-p", "no:cacheprovider"]
    with_options = [*command, "-p", "webchat_contract.plugin", f"--target-config={served}", "--requirement=WC-DEP-LIST"]
    done = run(with_options, tmp_path)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "partial run:" in done.stdout
    assert (
        json.loads((tmp_path / "reports" / "partial" / "certificate.json").read_text())["target"] in served.read_text()
    )
    assert not (tmp_path / "reports" / "results.json").exists()
    monkeypatch.setenv("WEBCHAT_TARGET_CONFIG", str(served))
    done = run([*command, "-k", "test_happy_path"], tmp_path / "reports")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "partial run:" in done.stdout
