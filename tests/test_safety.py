"""Safety is absolute: whatever a target does with what the suite sends, a run changes and deletes nothing it did
not create and leaves nothing behind. Tried against a target that implements DELETE/PUT/PATCH on the collection
path (deleting or changing everything, without authentication), as CRUD mocks do."""

import pytest

from suite_runner import admin_session, run_suite
from webchat_contract.journal import RUN_PREFIX
from webchat_contract.reference.server import EmbeddedTarget

DEPLOYMENTS = "/api/v2/webchat/deployments"
SETTINGS = "/api/v2/webchat/settings"


@pytest.fixture
def collection_writes(tmp_path):
    with EmbeddedTarget(tmp_path / "target", misbehaviours=["collection-writes"]) as target:
        target.admin = admin_session(target.config_path)
        yield target


def test_the_misbehaviour_does_wipe_the_collection(collection_writes):
    """The hazard is real: a DELETE on the collection deletes what others own."""
    url = collection_writes.base_url + DEPLOYMENTS
    collection_writes.admin.post(url, json={"name": "someone else's"})
    assert collection_writes.admin.delete(url).status_code == 204
    assert collection_writes.admin.get(url).json()["entities"] == []


def test_a_full_run_leaves_pre_existing_deployments_intact_and_nothing_behind(collection_writes, tmp_path):
    url = collection_writes.base_url + DEPLOYMENTS
    foreign = [
        collection_writes.admin.post(url, json={"name": f"someone else's {n}", "allowedDomains": ["a.example"]}).json()
        for n in range(2)
    ]
    collection_writes.admin.put(collection_writes.base_url + SETTINGS, json={"requireDeployment": True})
    run = run_suite(tmp_path / "reports", f"--target-config={collection_writes.config_path}")
    assert run.returncode == 0, run.output[-3000:]
    entities = collection_writes.admin.get(url).json()["entities"]
    assert entities == foreign
    assert not [e for e in entities if RUN_PREFIX.match(e.get("name", ""))]
    assert collection_writes.admin.get(collection_writes.base_url + SETTINGS).json() == {"requireDeployment": True}
