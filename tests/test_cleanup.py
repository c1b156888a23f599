"""The suite leaves a target as it found it: after an interrupted run too, and `sweep` removes what a killed run
left, touching nothing else."""

import json
import signal
import subprocess
import sys
import time

import pytest
import requests

from suite_runner import ROOT, admin_session
from webchat_contract.cleanup import DeploymentTracker, created_id
from webchat_contract.journal import RUN_PREFIX
from webchat_contract.reference.server import EmbeddedTarget
from webchat_contract.slots import LiveSlots

DEPLOYMENTS = "/api/v2/webchat/deployments"
SETTINGS = "/api/v2/webchat/settings"


@pytest.fixture
def reference(tmp_path):
    with EmbeddedTarget(tmp_path / "target", misbehaviours=["slow"]) as target:
        target.admin = admin_session(target.config_path)
        yield target


def ours(target) -> list[dict]:
    entities = target.admin.get(target.base_url + DEPLOYMENTS, timeout=10).json()["entities"]
    return [e for e in entities if RUN_PREFIX.match(e.get("name", ""))]


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_an_interrupted_run_deletes_what_it_created_and_restores_settings(reference, tmp_path, signum):
    foreign = reference.admin.post(reference.base_url + DEPLOYMENTS, json={"name": "someone else's"}).json()
    reference.admin.put(reference.base_url + SETTINGS, json={"requireDeployment": True})
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", f"--target-config={reference.config_path}", f"--junitxml={tmp_path}/j.xml",
         f"--html={tmp_path}/r.html", "suites/test_crud.py", "suites/test_happy_path.py"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: ours(reference)), "the run never created a deployment"
        run.send_signal(signum)
        output, _ = run.communicate(timeout=120)
    finally:
        run.kill()
    assert "Traceback" not in output
    assert ours(reference) == []
    assert reference.admin.get(reference.base_url + DEPLOYMENTS).json()["entities"] == [foreign]
    assert reference.admin.get(reference.base_url + SETTINGS).json() == {"requireDeployment": True}


def test_sweep_deletes_leftovers_of_a_killed_run_and_nothing_else(reference, tmp_path):
    base = reference.base_url + DEPLOYMENTS
    foreign = reference.admin.post(base, json={"name": "someone else's"}).json()
    left = reference.admin.post(base, json={"name": "wcc-0123abcd-left behind"}).json()
    renamed = reference.admin.post(base, json={"name": "renamed by a faulty target"}).json()
    journal = tmp_path / "journal.jsonl"
    journal.write_text(
        f'{{"event": "created", "id": "{renamed["id"]}", "target": "{reference.base_url}"}}\n'
        f'{{"event": "created", "id": "gone", "target": "{reference.base_url}"}}\n'
        f'{{"event": "deleted", "id": "gone", "target": "{reference.base_url}"}}\n'
        '{"event": "created", "id": "cut sh'
    )
    command = [sys.executable, "-m", "webchat_contract", "sweep", "--target-config", str(reference.config_path),
               "--journal", str(journal)]  # fmt: skip
    dry = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0 and f"would delete {left['id']}" in dry.stdout
    assert len(reference.admin.get(base).json()["entities"]) == 3

    swept = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert swept.returncode == 0, swept.stderr
    assert {f"deleted {left['id']}", f"deleted {renamed['id']}"} <= set(swept.stdout.splitlines())
    assert reference.admin.get(base).json()["entities"] == [foreign]


def test_sweep_with_a_bad_config_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[target]\n")
    swept = subprocess.run(
        [sys.executable, "-m", "webchat_contract", "sweep", "--target-config", str(bad)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert swept.returncode == 2
    assert swept.stderr.strip().count("\n") == 0 and "[target] base_url is missing" in swept.stderr


def test_journal_compaction_keeps_only_what_is_still_alive(tmp_path):
    from webchat_contract.journal import Journal, compact, leftovers

    path = tmp_path / "journal.jsonl"
    here, there = Journal(path, "http://a"), Journal(path, "http://b")
    here.created("1", "wcc-00000000-")
    here.created("2", "wcc-00000000-")
    here.deleted("1")
    there.created("1", "wcc-11111111-")
    compact(path)
    assert leftovers(path, "http://a") == ["2"] and leftovers(path, "http://b") == ["1"]
    assert len(path.read_text().splitlines()) == 2


def test_a_post_answering_an_id_already_alive_holds_no_second_live_slot(tmp_path):
    """A static mock answers the same id to every POST: the run must not run out of live slots for it."""

    class SameId:
        def post(self, path, body, **options):
            response = requests.Response()
            response.status_code, response._content = 200, b'{"id": "same"}'
            return response

    tracker = DeploymentTracker(SameId(), None, "wcc-test-", slots=LiveSlots(tmp_path, limit=2))
    for _ in range(3):
        tracker.create({"name": "x"})
    assert tracker.live == ["same"] and len(list(tmp_path.glob("slot-*"))) == 1


@pytest.mark.parametrize(
    ("answered", "tracked"),
    [("abc", "abc"), (31, "31"), ("", None), (None, None), (True, None), ({}, None), ([None], None)],
)
def test_a_deployment_is_tracked_by_any_id_it_can_be_deleted_by(answered, tracked):
    """A mock that numbers its deployments (Mockoon, once a body carried a numeric id) still gets them deleted."""
    response = requests.Response()
    response.status_code, response._content = 201, json.dumps({"id": answered}).encode()
    assert created_id(response) == tracked


class SharedIdTarget:
    """Deployments kept as a list, as a CRUD mock does: a DELETE removes the first one with the id."""

    def __init__(self, ids: list[str], deletes_anything: bool = True):
        self.ids, self.deletes_anything = ids, deletes_anything

    def _answer(self, status: int, body=None):
        response = requests.Response()
        response.status_code, response._content = status, json.dumps(body).encode() if body is not None else b""
        return response

    def get(self, path, **options):
        found = path.rsplit("/", 1)[-1] in self.ids
        return self._answer(200, {"id": path.rsplit("/", 1)[-1]}) if found else self._answer(404, {})

    def delete(self, path, **options):
        deployment_id = path.rsplit("/", 1)[-1]
        if deployment_id not in self.ids:
            return self._answer(404, {})
        if self.deletes_anything:
            self.ids.remove(deployment_id)
        return self._answer(204)


def test_deployments_sharing_an_id_are_all_deleted_and_the_delete_is_not_blamed():
    target = SharedIdTarget(["a", "a"])
    tracker = DeploymentTracker(target, target, "wcc-test-", reader=target)
    tracker.track("a")
    tracker.delete("a")
    assert target.ids == [] and tracker.live == [] and tracker.blocked is None


def test_a_delete_that_keeps_the_deployment_blocks_further_creation():
    target = SharedIdTarget(["a"], deletes_anything=False)
    tracker = DeploymentTracker(target, target, "wcc-test-", reader=target)
    tracker.track("a")
    tracker.delete("a")
    assert tracker.blocked is not None and any("still finds it" in d for d in tracker.deviations)
