"""Safety is absolute: whatever a target does with what the suite sends, a run changes and deletes nothing it did
not create and leaves nothing behind. Tried against a target that implements DELETE/PUT/PATCH on the collection
path (deleting or changing everything, without authentication), as CRUD mocks do."""

import pytest

from suite_runner import admin_session, run_suite
from webchat_contract.cleanup import DeploymentTracker
from webchat_contract.generated import made_safe
from webchat_contract.journal import RUN_PREFIX
from webchat_contract.reference.server import EmbeddedTarget
from webchat_contract.settings_guard import SettingsGuard
from webchat_contract.slots import FootprintExceeded, LiveSlots
from webchat_contract.violations import ContractViolation

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


# --- the pieces, in-process ---------------------------------------------------------------------------------------


class FakeCase:
    def __init__(self, method: str, path: str, deployment_id=None, body=None):
        self.method, self.body = method, body
        self.operation = type("Op", (), {"path": path})()
        self.path_parameters = {"deploymentId": deployment_id} if deployment_id is not None else {}


BY_ID = DEPLOYMENTS + "/{deploymentId}"


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "TRACE"])
def test_nothing_but_post_and_safe_methods_reaches_the_collection(method):
    assert made_safe(FakeCase(method, DEPLOYMENTS), own=[]) is False


@pytest.mark.parametrize("method", ["POST", "GET", "HEAD", "OPTIONS"])
def test_post_and_safe_methods_may_reach_the_collection(method):
    assert made_safe(FakeCase(method, DEPLOYMENTS), own=[]) is True


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_write_by_id_goes_only_to_the_run_s_own_deployment(method):
    foreign = FakeCase(method, BY_ID, "someone-elses")
    assert made_safe(foreign, own=["mine/1"]) and foreign.path_parameters["deploymentId"].startswith("wcc-missing-")
    own = FakeCase(method, BY_ID, "mine/1")
    assert made_safe(own, own=["mine/1"]) and own.path_parameters["deploymentId"] == "mine%2F1"


@pytest.mark.parametrize(("method", "path"), [("POST", DEPLOYMENTS), ("PUT", BY_ID)])
def test_an_id_in_a_generated_body_is_always_an_invented_one(method, path):
    """A CRUD mock that honours a body's id would overwrite the deployment holding it (Mockoon numbers them 1, 2...)."""
    case = FakeCase(method, path, "mine", body={"name": "x", "id": "1"})
    assert made_safe(case, own=["mine"]) and case.body["id"].startswith("wcc-missing-")


def test_the_live_cap_holds_across_processes_sharing_the_directory(tmp_path):
    others = [tmp_path / f"slot-1-{n}" for n in range(3)]  # held by another live process (pid 1)
    for slot in others:
        slot.touch()
    slots = LiveSlots(tmp_path)
    assert slots.try_acquire() and slots.try_acquire()
    assert slots.try_acquire() is None  # five alive across the run: wait for the other process
    others[0].unlink()
    assert slots.try_acquire() is not None


def test_a_process_holding_every_slot_is_told_at_once(tmp_path):
    slots = LiveSlots(tmp_path)
    for _ in range(5):
        assert slots.try_acquire()
    with pytest.raises(FootprintExceeded):
        slots.try_acquire()


def test_a_slot_of_a_process_that_is_gone_is_free(tmp_path):
    (tmp_path / "slot-999999999-x").touch()
    slots = LiveSlots(tmp_path, limit=1)
    assert slots.try_acquire() is not None


class Answer:
    def __init__(self, status: int, body=None, text=None):
        self.status_code = status
        self._body, self.text = body, text if text is not None else ("" if body is None else "json")
        self.headers = {"Content-Type": "application/json"}
        self.content = self.text.encode()

    def json(self):
        if self._body is None:
            raise ValueError("not JSON")
        return self._body


class Client:
    def __init__(self, *answers):
        self.answers, self.sent = list(answers), []

    def request(self, method, path, **kwargs):
        self.sent.append((method, path, kwargs.get("json_body")))
        return self.answers.pop(0)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.request("PUT", path, json_body=body)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.mark.parametrize("status", [200, 201, 202])
def test_any_2xx_post_answer_with_an_id_is_tracked(status):
    tracker = DeploymentTracker(Client(), Client(), "wcc-00000000-")
    assert tracker.adopt(Answer(status, {"id": "d1"})) == "d1" and tracker.live == ["d1"]


def test_a_post_answering_the_id_of_a_deployment_listed_before_the_run_is_never_taken_for_the_runs():
    """Whatever a POST answers, a deployment that existed before the run is never tracked, so never deleted."""
    listing = Answer(200, {"entities": [{"id": "theirs", "name": "not the suite's"}], "total": 1})
    tracker = DeploymentTracker(Client(), Client(), "wcc-00000000-", reader=Client(listing))
    with pytest.raises(ContractViolation) as raised:
        tracker.adopt(Answer(200, {"id": "theirs"}))
    assert [v.requirement for v in raised.value.violations] == ["WC-DEP-CREATE"]
    tracker.track("theirs")
    assert tracker.live == [] and tracker.delete_all() == []


@pytest.mark.parametrize("answer", [Answer(200, {"id": None}), Answer(200, None, "OK"), Answer(200, [{"id": "x"}])])
def test_a_post_answer_without_a_usable_id_is_not_taken_for_one(answer):
    tracker = DeploymentTracker(Client(), Client(), "wcc-00000000-")
    assert tracker.adopt(answer) is None and tracker.live == []


@pytest.mark.parametrize(("status", "deviation"), [(204, False), (200, True), (404, True)])
def test_a_2xx_or_404_to_delete_means_gone(status, deviation):
    tracker = DeploymentTracker(Client(), Client(Answer(status)), "wcc-00000000-")
    tracker.track("d1")
    assert tracker.delete_all() == [] and bool(tracker.deviations) is deviation


def test_a_refused_delete_keeps_the_deployment_tracked():
    tracker = DeploymentTracker(Client(), Client(Answer(403, {"status": 403})), "wcc-00000000-")
    tracker.track("d1")
    assert tracker.delete_all() == ["d1"]


@pytest.mark.parametrize(
    ("found", "expected_write"),
    [
        ({"requireDeployment": True}, ("PUT", {"requireDeployment": True})),
        ({"requireDeployment": None}, ("DELETE", None)),
        ({}, ("DELETE", None)),
    ],
)
def test_settings_are_restored_in_the_shape_found(found, expected_write):
    reader = Client(Answer(200, found), Answer(200, found))
    writer = Client(Answer(200, found), Answer(204))
    guard = SettingsGuard(reader, writer, writer)
    guard.remember()
    assert guard.restore() is True
    method, _, body = writer.sent[0]
    assert (method, body) == expected_write
