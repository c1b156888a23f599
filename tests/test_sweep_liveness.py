"""`sweep` never touches a live run: a run beats a heartbeat into its journal, and sweep leaves its deployments
alone, saying so; a run that ended, or died (stale heartbeat, process gone), is swept."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from test_cleanup import DEPLOYMENTS, ours, wait_for

from suite_runner import ROOT, admin_session
from webchat_contract.journal import HEARTBEAT_STALE_SECONDS
from webchat_contract.reference.server import EmbeddedTarget


@pytest.fixture
def reference(tmp_path):
    with EmbeddedTarget(tmp_path / "target", misbehaviours=["slow"]) as target:
        target.admin = admin_session(target.config_path)
        yield target


def sweep(reference, journal) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "webchat_contract", "sweep", "--target-config", str(reference.config_path),
               "--journal", str(journal)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def beat(run: str, pid: int, age: float = 0.0) -> str:
    entry = {"event": "alive", "run": run, "pid": pid, "host": socket.gethostname(), "time": time.time() - age}
    return json.dumps(entry) + "\n"


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_sweep_skips_the_deployments_of_a_live_run_and_sweeps_dead_ones(reference, tmp_path):
    base = reference.base_url + DEPLOYMENTS
    names = {"live": "wcc-aaaaaaaa-live", "ended": "wcc-bbbbbbbb-ended", "stale": "wcc-cccccccc-stale",
             "gone": "wcc-dddddddd-process gone"}  # fmt: skip
    ids = {key: reference.admin.post(base, json={"name": name}).json()["id"] for key, name in names.items()}
    journal = tmp_path / "journal.jsonl"
    journal.write_text(
        beat("wcc-aaaaaaaa-", os.getpid())
        + beat("wcc-bbbbbbbb-", os.getpid())
        + json.dumps({"event": "ended", "run": "wcc-bbbbbbbb-", "time": time.time()})
        + "\n"
        + beat("wcc-cccccccc-", os.getpid(), age=HEARTBEAT_STALE_SECONDS + 5)
        + beat("wcc-dddddddd-", dead_pid())
    )
    swept = sweep(reference, journal)
    assert swept.returncode == 0, swept.stderr
    assert "skipped 1 deployment(s) of run wcc-aaaaaaaa-, which is still alive" in swept.stdout
    assert {e["id"] for e in ours(reference)} == {ids["live"]}


def test_sweep_during_a_run_leaves_it_whole(reference, tmp_path):
    """A real run, live while sweep runs: its deployments stay, and it passes."""
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", f"--target-config={reference.config_path}", f"--junitxml={tmp_path}/j.xml",
         "-p", "no:randomly", "suites/test_crud.py", "-k", "lifecycle or holds_each or read_only"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    sweeps = []
    try:
        assert wait_for(lambda: ours(reference)), "the run never created a deployment"
        while run.poll() is None:  # sweep again and again while the run lives
            sweeps.append(sweep(reference, tmp_path / "journal.jsonl").stdout)
        output, _ = run.communicate(timeout=300)
    finally:
        run.kill()
    assert any("which is still alive" in swept for swept in sweeps), sweeps
    assert not any("deleted" in swept for swept in sweeps), sweeps
    assert run.returncode == 0, output
