"""Each fault switch really changes the behaviour it names, and only breaks, never crashes, the target."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
import requests
from target_api import NO_BODY, TRICKY_DEPLOYMENT, Api, deployment_fields, lacking, media_type, only, status_of

from webchat_contract import spec
from webchat_contract.operations import CREATE, DELETE, DELETE_SETTINGS, GET, GET_SETTINGS, LIST, PUT_SETTINGS, UPDATE
from webchat_contract.reference import FAULTS, InProcessTarget
from webchat_contract.reference.faults import wrong_permission_for


def _error_status(response: requests.Response) -> Any:
    """The ``status`` of an ErrorBody; ``None`` when the answer is no JSON object."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("status") if isinstance(body, dict) else None


@dataclass(frozen=True)
class Probe:
    """How to see a fault: ``observe(api)`` answers ``clean`` on a conforming target, something else on the faulty."""

    observe: Callable[[Api], Any]
    clean: Any


def statuses_without_and_with_an_unknown_token(api: Api) -> tuple[int, int]:
    return status_of(api, LIST, "an-unknown-token"), status_of(api, LIST, None)


def denied_create_and_what_it_left(api: Api) -> tuple[int, int]:
    return status_of(api, CREATE, lacking(CREATE)), len(api.deployments())


def get_after_post(api: Api) -> int:
    return status_of(api, GET, "admin", deployment_id=api.create()["id"])


def name_after_put(api: Api) -> Any:
    deployment_id = api.create()["id"]
    api.request(UPDATE, deployment_id=deployment_id, body={"name": "renamed"})
    return api.request(GET, deployment_id=deployment_id).json().get("name")


def get_after_delete(api: Api) -> int:
    deployment_id = api.create()["id"]
    api.request(DELETE, deployment_id=deployment_id)
    return status_of(api, GET, "admin", deployment_id=deployment_id)


def put_of_an_unknown_id(api: Api) -> tuple[int, int]:
    return status_of(api, UPDATE, "admin", deployment_id=str(uuid.uuid4())), len(api.deployments())


def settings_after_put(api: Api) -> Any:
    api.request(PUT_SETTINGS, body={"requireDeployment": True})
    return api.request(GET_SETTINGS).json()


def settings_after_delete(api: Api) -> Any:
    api.request(PUT_SETTINGS, body={"requireDeployment": True})
    api.request(DELETE_SETTINGS)
    return api.request(GET_SETTINGS).json()


def listing_of_two(api: Api) -> tuple[bool, Any]:
    """Whether the list holds exactly the two deployments created, in order; and its total."""
    created = [api.create({"name": f"d{i}"})["id"] for i in range(2)]
    listing = api.request(LIST).json()
    return [entity["id"] for entity in listing["entities"]] == created, listing["total"]


def empty_listing_entities(api: Api) -> Any:
    return api.request(LIST).json()["entities"]


def round_trip(api: Api) -> dict[str, Any]:
    created = api.create(TRICKY_DEPLOYMENT)
    return deployment_fields(api.request(GET, deployment_id=created["id"]).json())


def ids_answered_by_post(api: Api) -> tuple[bool, bool]:
    """Whether POST answers a non-empty id, and the selfUri of that id."""
    created = api.create()
    return bool(created["id"]), created["selfUri"] == GET.url_path(created["id"])


def model_errors_of_answers(api: Api) -> list[str]:
    api.request(PUT_SETTINGS, body={"requireDeployment": True})
    answers = [(GET, api.create()["id"]), (LIST, None), (GET_SETTINGS, None)]
    errors = []
    for op, deployment_id in answers:
        assert op.response_model is not None
        errors += spec.validation_errors(op.response_model, api.request(op, deployment_id=deployment_id).json())
    return errors


def success_media_type(api: Api) -> str:
    return media_type(api.request(LIST))


def unknown_id_answer(api: Api) -> tuple[int, str, Any]:
    response = api.request(GET, deployment_id=str(uuid.uuid4()))
    return response.status_code, media_type(response), _error_status(response)


def post_with_an_unknown_field(api: Api) -> tuple[int, bool]:
    response = api.request(CREATE, body={"name": "n", "unknownField": 1})
    return response.status_code, "unknownField" in response.json()


def delete_answer(api: Api) -> tuple[int, bytes]:
    response = api.request(DELETE, deployment_id=api.create()["id"])
    return response.status_code, response.content


def post_status(api: Api, body: Any = NO_BODY, data: bytes | None = None) -> int:
    if data is None:
        return status_of(api, CREATE, "admin", body=body)
    return status_of(api, CREATE, "admin", data=data, headers={"Content-Type": "application/json"})


def post_with_a_client_id(api: Api) -> tuple[bool, bool]:
    """Whether the second POST reused the first one's id, and whether the first deployment is unchanged."""
    first = api.create()
    second = api.create({"name": "copy", "id": first["id"]})
    return second["id"] == first["id"], api.request(GET, deployment_id=first["id"]).json() == first


def put_with_another_id_in_the_body(api: Api) -> list[Any]:
    first, second = api.create({"name": "first"}), api.create({"name": "second"})
    api.request(UPDATE, deployment_id=first["id"], body={"name": "changed", "id": second["id"]})
    return [api.request(GET, deployment_id=d["id"]).json().get("name") for d in (first, second)]


def post_answers_a_string_id(api: Api) -> bool:
    return isinstance(api.create().get("id"), str)


def list_answer_is_json(api: Api) -> bool:
    try:
        api.request(LIST).json()
    except ValueError:
        return False
    return True


def denied_put_and_what_it_left(api: Api) -> tuple[int, Any]:
    deployment_id = api.create({"name": "before"})["id"]
    status = status_of(api, UPDATE, lacking(UPDATE), deployment_id=deployment_id, body={"name": "after"})
    return status, api.request(GET, deployment_id=deployment_id).json().get("name")


def _operation_probes() -> dict[str, Probe]:
    probes = {}
    for op in spec.operations():
        probes[f"skip-permission-check:{op.operation_id}"] = Probe(
            partial(status_of, op=op, principal=lacking(op)), 403
        )
        # A principal holding exactly the right permission, and not the one the faulty target checks.
        assert wrong_permission_for(op.permission) != op.permission
        probes[f"wrong-permission:{op.operation_id}"] = Probe(
            partial(status_of, op=op, principal=only(op)), op.success_status
        )
    return probes


BAD_BODY = {"data": b"{", "headers": {"Content-Type": "application/json"}}


def first_bytes_of_a_listing(api: Api) -> bytes:
    return api.request(LIST).content[:1]


PROBES: dict[str, Probe] = {
    **_operation_probes(),
    "all-permissions-required": Probe(partial(status_of, op=LIST, principal=only(LIST)), 200),
    "any-token-accepted": Probe(statuses_without_and_with_an_unknown_token, (401, 401)),
    "forbidden-instead-of-unauthorized": Probe(partial(status_of, op=LIST, principal=None), 401),
    "act-before-deny": Probe(denied_create_and_what_it_left, (403, 0)),
    "validate-before-auth": Probe(partial(status_of, op=CREATE, principal=None, **BAD_BODY), 401),
    "lookup-before-auth": Probe(partial(status_of, op=GET, principal=None, deployment_id=str(uuid.uuid4())), 401),
    "post-not-persisted": Probe(get_after_post, 200),
    "put-not-persisted": Probe(name_after_put, "renamed"),
    "delete-keeps-deployment": Probe(get_after_delete, 404),
    "put-creates-unknown-id": Probe(put_of_an_unknown_id, (404, 0)),
    "settings-not-persisted": Probe(settings_after_put, {"requireDeployment": True}),
    "settings-delete-keeps": Probe(settings_after_delete, {}),
    "list-omits-newest": Probe(listing_of_two, (True, 2)),
    "list-duplicates-entry": Probe(listing_of_two, (True, 2)),
    "wrong-total": Probe(listing_of_two, (True, 2)),
    "null-entities-when-empty": Probe(empty_listing_entities, []),
    "drops-description": Probe(round_trip, TRICKY_DEPLOYMENT),
    "reorders-allowed-domains": Probe(round_trip, TRICKY_DEPLOYMENT),
    "trims-strings": Probe(round_trip, TRICKY_DEPLOYMENT),
    "nested-ids-dropped": Probe(round_trip, TRICKY_DEPLOYMENT),
    "wrong-self-uri": Probe(ids_answered_by_post, (True, True)),
    "empty-id": Probe(ids_answered_by_post, (True, True)),
    "boolean-as-string": Probe(model_errors_of_answers, []),
    "text-content-type": Probe(success_media_type, "application/json"),
    "error-status-mismatch": Probe(unknown_id_answer, (404, "application/json", 404)),
    "error-not-json": Probe(unknown_id_answer, (404, "application/json", 404)),
    "post-answers-201": Probe(post_status, 200),
    "delete-answers-200-with-body": Probe(delete_answer, (204, b"")),
    "not-found-as-400": Probe(unknown_id_answer, (404, "application/json", 404)),
    "string-types-unchecked": Probe(partial(post_status, body={"name": 5}), 400),
    "null-accepted": Probe(partial(post_status, body={"description": None}), 400),
    "no-enum-check": Probe(partial(post_status, body={"webChatConfig": {"webChatSkin": "dark"}}), 400),
    "allowed-domains-unchecked": Probe(partial(post_status, body={"allowedDomains": ["a.example.com", 7]}), 400),
    "non-object-body-accepted": Probe(partial(post_status, data=b"[1]"), 400),
    "missing-body-accepted": Probe(partial(post_status, data=b""), 400),
    "unknown-fields-echoed": Probe(post_with_an_unknown_field, (200, False)),
    "unknown-fields-rejected": Probe(post_with_an_unknown_field, (200, False)),
    "500-on-non-ascii": Probe(partial(post_status, body={"name": "caf\u00e9"}), 200),
    "500-on-empty-array": Probe(partial(post_status, body={"allowedDomains": []}), 200),
    "500-on-long-string": Probe(partial(post_status, body={"description": "x" * 1001}), 200),
    "500-on-long-name": Probe(partial(post_status, body={"name": "n" * 300}), 200),
    "post-null-id": Probe(post_answers_a_string_id, True),
    "non-json-success": Probe(list_answer_is_json, True),
    "denied-put-stores": Probe(denied_put_and_what_it_left, (403, "before")),
    "client-id-honoured": Probe(post_with_a_client_id, (False, True)),
    "put-body-id-wins": Probe(put_with_another_id_in_the_body, ["changed", "second"]),
    "content-type-without-body-refused": Probe(
        partial(status_of, op=LIST, principal="admin", headers={"Content-Type": "application/json"}), 200
    ),
    "content-type-required": Probe(partial(status_of, op=LIST, principal="admin"), 200),
    "json-in-utf-16": Probe(first_bytes_of_a_listing, b"{"),
}


def test_every_probe_is_of_a_fault() -> None:
    """A probe is a quick look at one fault; a fault needs none (the mutation test runs the suite against each)."""
    assert set(PROBES) <= set(FAULTS)


@pytest.mark.parametrize("fault", list(PROBES))
def test_each_fault_changes_the_behaviour(api: Api, serve: Callable[..., InProcessTarget], fault: str) -> None:
    probe = PROBES[fault]
    clean = probe.observe(api)
    assert clean == probe.clean
    faulty = probe.observe(Api.of(serve(faults=[fault])))
    assert faulty != clean, f"{fault}: {FAULTS[fault].description}"


def exercise(api: Api) -> list[int]:
    """The statuses of every operation called by a permitted, an unauthenticated and a forbidden caller, with an
    invalid body and with an unknown id."""
    unknown = str(uuid.uuid4())
    created = api.request(CREATE)
    try:
        deployment_id = created.json().get("id") or unknown
    except ValueError:  # non-json-success
        deployment_id = unknown
    statuses = [created.status_code]
    for op in spec.operations():  # GET and PUT of the deployment come before its DELETE
        own_id = deployment_id if op.has_path_id else None
        calls: list[dict[str, Any]] = [{"principal": "admin"}, {"principal": None}, {"principal": lacking(op)}]
        if op.request_model:
            calls.append({"principal": "admin", **BAD_BODY})
        if op.has_path_id:
            calls.append({"principal": "admin", "deployment_id": unknown})
        for call in calls:
            statuses.append(status_of(api, op, **{"deployment_id": own_id, **call}))
    return statuses


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_does_not_crash_the_target(serve: Callable[..., InProcessTarget], fault: str) -> None:
    # The sample bodies hold nothing the 500-on-* faults choke on: no fault answers 5xx to them.
    statuses = exercise(Api.of(serve(faults=[fault])))
    assert [status for status in statuses if status >= 500] == []


def test_every_fault_names_a_requirement_of_the_catalog() -> None:
    for name, fault in FAULTS.items():
        assert fault.name == name
        assert fault.description
        assert fault.requirement in spec.requirements(), f"{name}: unknown requirement {fault.requirement}"


def test_every_requirement_is_broken_by_some_fault() -> None:
    broken = {fault.requirement for fault in FAULTS.values()}
    assert [requirement for requirement in spec.requirements() if requirement not in broken] == []


def test_every_requirement_fails_in_the_run_of_some_fault() -> None:
    """The faults' entries (what a full run with each fault fails, enforced by test_mutation_score.py) name every
    requirement: each requirement's checks are shown to fail against a target that breaks it."""
    failed = {requirement for fault in FAULTS.values() for requirement in fault.fails()}
    assert [requirement for requirement in spec.requirements() if requirement not in failed] == []


def test_faults_cover_every_operation() -> None:
    for op in spec.operations():
        assert f"skip-permission-check:{op.operation_id}" in FAULTS
        assert f"wrong-permission:{op.operation_id}" in FAULTS


def test_the_clean_in_process_target_conforms_like_the_embedded_one(serve: Callable[..., InProcessTarget]) -> None:
    in_process = Api.of(serve())
    for fault, probe in PROBES.items():
        assert probe.observe(in_process) == probe.clean, fault
        in_process.reset()


def test_the_embedded_target_passes_faults_and_misbehaviours_to_the_server(faulty_misbehaving_target: Future) -> None:
    api = Api.of(faulty_misbehaving_target.result())
    listings = [api.request(LIST) for _ in range(3)]
    assert [response.status_code for response in listings] == [200, 200, 429]  # throttle
    assert listings[0].json()["total"] == 1  # wrong-total
