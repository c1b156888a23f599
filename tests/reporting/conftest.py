"""The runs the reporting tests read, each made once a session and shared: a conformant target (serially, then
with ``-n 2``), a faulty one, an unreachable one, one that does not allow writes, and the suite as collected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bundles import (
    FAULT,
    UNREACHABLE,
    Bundle,
    run_against,
    run_embedded,
)

from suite_runner import ROOT
from webchat_contract.reference.server import EmbeddedTarget


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """A clean reference target of this module's own, reached through a target config like any other server."""
    with EmbeddedTarget(tmp_path_factory.mktemp("reference")) as target:
        yield target


@pytest.fixture(scope="session")
def history_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("history")


@pytest.fixture(scope="session")
def conformant(reference, tmp_path_factory, history_dir) -> Bundle:
    return run_against(reference, tmp_path_factory.mktemp("conformant"), f"--history={history_dir}")


@pytest.fixture(scope="session")
def parallel(reference, tmp_path_factory, conformant) -> Bundle:
    return run_against(reference, tmp_path_factory.mktemp("parallel"), "-n", "2")


@pytest.fixture(scope="session")
def not_conformant(tmp_path_factory, conformant, history_dir) -> Bundle:
    bundle = run_embedded(tmp_path_factory.mktemp("not-conformant"), f"--history={history_dir}", faults=(FAULT,))
    bundle.extra_dirs = (history_dir,)
    return bundle


@pytest.fixture(scope="session")
def unreachable(reference, tmp_path_factory) -> Bundle:
    text = reference.config_path.read_text().replace(reference.base_url, f"http://{UNREACHABLE}")
    return run_against(reference, tmp_path_factory.mktemp("unreachable"), config_text=text)


@pytest.fixture(scope="session")
def read_only(reference, tmp_path_factory) -> Bundle:
    text = reference.config_path.read_text().replace("destructive = true", "destructive = false")
    return run_against(reference, tmp_path_factory.mktemp("read-only"), config_text=text)


COLLECTOR_PLUGIN = """
import json, os
from webchat_contract.plugin import requirements_of


def pytest_collection_finish(session):
    items = {
        item.nodeid: [requirements_of(item), item.get_closest_marker("destructive") is not None]
        for item in session.items
    }
    with open(os.environ["WCC_COLLECTED"], "w") as out:
        json.dump(items, out)
"""


@pytest.fixture(scope="session")
def collected(tmp_path_factory) -> dict[str, tuple[list[str], bool]]:
    """The suite's tests as pytest collects them (in a process of their own, as suite modules share names with
    the project's tests): node id -> (requirement ids, destructive)."""
    base = tmp_path_factory.mktemp("collected")
    (base / "wcc_collector.py").write_text(COLLECTOR_PLUGIN)
    env = {**os.environ, "PYTHONPATH": str(base), "WCC_COLLECTED": str(base / "collected.json")}
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=", "-p", "wcc_collector"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return {nodeid: tuple(facts) for nodeid, facts in json.loads((base / "collected.json").read_text()).items()}


@pytest.fixture(scope="session")
def known_yaml(not_conformant, tmp_path_factory) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "webchat_contract", "baseline", str(not_conformant.directory)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = tmp_path_factory.mktemp("baseline") / "known.yaml"
    path.write_text(done.stdout)
    return path
