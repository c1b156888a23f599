"""CRUD: what is written persists, what is deleted is gone, the list tells the truth, and ids are the target's.

Deployments: create -> get -> listed once -> update -> get -> delete -> 404 everywhere -> not listed.
Settings: put true -> get -> put false -> delete -> get answers requireDeployment absent or false.
"""

import uuid

import pytest
from hypothesis import given
from schemathesis import GenerationMode

from webchat_contract import spec
from webchat_contract.checks import (
    check_deployment_identity,
    check_error_body,
    check_fields_equal,
    check_no_body,
    check_success,
    json_body,
)
from webchat_contract.generated import load_schema
from webchat_contract.operations import CREATE, DELETE, DELETE_SETTINGS, GET, GET_SETTINGS, LIST, PUT_SETTINGS, UPDATE

pytestmark = pytest.mark.destructive

NOT_FOUND = spec.error_codes(404)


@pytest.fixture
def admin(webchat_target):
    """A client of a principal holding every permission the flows need."""
    principal = webchat_target.first_holding(*spec.permissions())
    if principal is None:
        pytest.skip("not verified: no configured principal holds every permission")
    return webchat_target.client(principal)


def listed(client, deployment_id: str) -> int:
    """How many times the list holds ``deployment_id``, after checking the listing itself."""
    response = client.get(LIST.path)
    listing = check_success(response, LIST)
    entities = listing.get("entities")
    assert isinstance(entities, list), f"entities is {entities!r}, not a list; {response.text[:200]}"
    if "total" in listing:
        assert listing["total"] == len(entities), f"total {listing['total']} but {len(entities)} entities"
    return sum(1 for entity in entities if entity.get("id") == deployment_id)


def renamed(body: dict, run_prefix: str, name: str) -> dict:
    return {**body, "name": run_prefix + name}


@pytest.mark.requirement("WC-DEP-CREATE", "WC-DEP-ROUND-TRIP", "WC-DEP-LIST", "WC-DEP-UPDATE", "WC-DEP-DELETE",
                         "WC-DEP-NOT-FOUND")  # fmt: skip
@pytest.mark.operations(*(op.operation_id for op in (LIST, CREATE, GET, UPDATE, DELETE)))
def test_deployment_lifecycle(admin, deployments, run_prefix):
    sent = spec.example_body(CREATE.operation_id)
    created_response = deployments.create(sent, client=admin)
    created = check_success(created_response, CREATE)
    deployment_id = check_deployment_identity(created, created_response)
    sent["name"] = created["name"]
    check_fields_equal(sent, created, created_response)

    fetched_response = admin.get(GET.url_path(deployment_id))
    check_fields_equal(sent, check_success(fetched_response, GET), fetched_response)
    assert listed(admin, deployment_id) == 1, f"the list does not hold {deployment_id} exactly once"

    update = renamed(spec.example_body(UPDATE.operation_id), run_prefix, "lifecycle-updated")
    update.update(description="updated", disabled=True, allowedDomains=["b.example", "a.example"])
    updated_response = admin.put(UPDATE.url_path(deployment_id), update)
    updated = check_success(updated_response, UPDATE)
    check_deployment_identity(updated, updated_response, expected_id=deployment_id)
    check_fields_equal(update, updated, updated_response)
    refetched_response = admin.get(GET.url_path(deployment_id))
    check_fields_equal(update, check_success(refetched_response, GET), refetched_response)

    deleted = admin.delete(DELETE.url_path(deployment_id))
    check_success(deleted, DELETE)
    deployments.forget(deployment_id)
    check_error_body(admin.get(GET.url_path(deployment_id)), 404, NOT_FOUND)
    check_error_body(admin.put(UPDATE.url_path(deployment_id), update), 404, NOT_FOUND)
    check_error_body(admin.delete(DELETE.url_path(deployment_id)), 404, NOT_FOUND)
    assert listed(admin, deployment_id) == 0, f"the list still holds deleted deployment {deployment_id}"


@pytest.mark.requirement("WC-DEP-LIST")
@pytest.mark.operations(LIST.operation_id, CREATE.operation_id)
def test_list_holds_each_new_deployment_once(admin, deployments, run_prefix):
    ids = [check_success(deployments.create({"name": f"listed-{n}"}, client=admin), CREATE)["id"] for n in range(3)]
    for deployment_id in ids:
        assert listed(admin, deployment_id) == 1, f"the list does not hold {deployment_id} exactly once"


@pytest.mark.requirement("WC-DEP-NOT-FOUND")
@pytest.mark.operations(GET.operation_id, UPDATE.operation_id, DELETE.operation_id, LIST.operation_id)
def test_unknown_id_is_404_and_put_never_creates(admin, run_prefix):
    unknown = f"wcc-missing-{uuid.uuid4().hex}"
    check_error_body(admin.get(GET.url_path(unknown)), 404, NOT_FOUND)
    put = admin.put(UPDATE.url_path(unknown), renamed(spec.example_body(UPDATE.operation_id), run_prefix, "ghost"))
    check_error_body(put, 404, NOT_FOUND)
    check_error_body(admin.delete(DELETE.url_path(unknown)), 404, NOT_FOUND)
    assert listed(admin, unknown) == 0, f"PUT of unknown id {unknown} created it"


@pytest.mark.requirement("WC-DEP-READ-ONLY-IDS", "WC-DEP-CREATE")
@pytest.mark.operations(CREATE.operation_id, GET.operation_id)
def test_post_ignores_a_client_supplied_id(admin, deployments):
    existing = check_success(deployments.create({"name": "existing"}, client=admin), CREATE)
    for supplied in (f"wcc-client-{uuid.uuid4().hex}", existing["id"]):
        response = deployments.create({"name": "with-id", "id": supplied, "selfUri": "/elsewhere"}, client=admin)
        created = check_success(response, CREATE)
        new_id = check_deployment_identity(created, response)
        assert new_id != supplied, f"POST reused the client-supplied id {supplied}"
    after = admin.get(GET.url_path(existing["id"]))
    check_fields_equal(existing, check_success(after, GET), after)


@pytest.mark.requirement("WC-DEP-READ-ONLY-IDS")
@pytest.mark.operations(UPDATE.operation_id, GET.operation_id)
def test_put_changes_only_the_deployment_in_the_path(admin, deployments, run_prefix):
    first = check_success(deployments.create({"name": "first"}, client=admin), CREATE)
    second = check_success(deployments.create({"name": "second"}, client=admin), CREATE)
    body = {"name": run_prefix + "first-renamed", "id": second["id"], "selfUri": second["selfUri"]}
    response = admin.put(UPDATE.url_path(first["id"]), body)
    updated = check_success(response, UPDATE)
    check_deployment_identity(updated, response, expected_id=first["id"])
    untouched = admin.get(GET.url_path(second["id"]))
    check_fields_equal(second, check_success(untouched, GET), untouched)
    renamed_first = admin.get(GET.url_path(first["id"]))
    check_fields_equal({"name": body["name"]}, check_success(renamed_first, GET), renamed_first)


@pytest.mark.requirement("WC-SET-UPDATE", "WC-SET-DELETE")
@pytest.mark.operations(GET_SETTINGS.operation_id, PUT_SETTINGS.operation_id, DELETE_SETTINGS.operation_id)
def test_settings_lifecycle(admin, settings_guard):
    for value in (True, False, True):
        put = admin.put(PUT_SETTINGS.path, {"requireDeployment": value})
        assert check_success(put, PUT_SETTINGS).get("requireDeployment") is value, "PUT answered other settings"
        got = admin.get(GET_SETTINGS.path)
        assert check_success(got, GET_SETTINGS).get("requireDeployment") is value, "GET after PUT differs"
    deleted = admin.delete(DELETE_SETTINGS.path)
    check_success(deleted, DELETE_SETTINGS)
    check_no_body(deleted)
    after = check_success(admin.get(GET_SETTINGS.path), GET_SETTINGS)
    assert after.get("requireDeployment") in (None, False), f"settings after DELETE: {after}"


@pytest.mark.requirement("WC-DEP-LIST")
@pytest.mark.operations(LIST.operation_id)
def test_list_entities_is_an_array_and_total_counts_them(admin):
    response = admin.get(LIST.path)
    listing = check_success(response, LIST)
    assert isinstance(listing.get("entities"), list), f"entities is not an array: {json_body(response)}"
    if "total" in listing:
        assert listing["total"] == len(listing["entities"])


# Bodies drawn by schemathesis from the POST operation's schema (writable fields only: readOnly ones are not
# generated for requests), with the awkward cases named outright.
DEPLOYMENT_BODIES = (
    load_schema()[CREATE.path][CREATE.method]
    .as_strategy(generation_mode=GenerationMode.POSITIVE)
    .map(lambda case: case.body)
    .filter(lambda body: isinstance(body, dict))
)
AWKWARD = [
    {"name": "", "description": "", "allowedDomains": []},
    {"name": "ünïcødé ✓ 漢字 \U0001f600", "description": " leading and trailing ", "flow": {"id": "", "name": "ß"}},
    {"description": "x" * 5000, "allowedDomains": ["b.example", "a.example", "b.example"]},
    {"webChatConfig": {}, "flow": {}, "authenticationRequired": True, "disabled": False},
]


def round_trip(admin, deployments, run_prefix, first: dict, then: dict) -> None:
    """POST ``first``, GET, PUT ``then``, GET: every declared field sent comes back equal each time."""
    first = spec.declared_part(CREATE.request_model, {**first, "name": run_prefix + str(first.get("name", ""))})
    response = deployments.create(first, client=admin)
    created = check_success(response, CREATE)
    deployment_id = check_deployment_identity(created, response)
    try:
        check_fields_equal(first, created, response)
        fetched = admin.get(GET.url_path(deployment_id))
        check_fields_equal(first, check_success(fetched, GET), fetched)
        then = spec.declared_part(UPDATE.request_model, {**then, "name": run_prefix + str(then.get("name", ""))})
        put = admin.put(UPDATE.url_path(deployment_id), then)
        check_fields_equal(then, check_success(put, UPDATE), put)
        refetched = admin.get(GET.url_path(deployment_id))
        check_fields_equal(then, check_success(refetched, GET), refetched)
    finally:
        deployments.delete(deployment_id)


@pytest.mark.requirement("WC-DEP-ROUND-TRIP", "WC-DEP-UPDATE", "WC-DEP-CREATE", "WC-RESP-NO-5XX")
@pytest.mark.operations(CREATE.operation_id, GET.operation_id, UPDATE.operation_id)
@pytest.mark.parametrize("body", AWKWARD, ids=["empty", "unicode", "long", "empty-objects"])
def test_awkward_bodies_round_trip(body, admin, deployments, run_prefix):
    round_trip(admin, deployments, run_prefix, body, {**body, "description": "changed"})


@pytest.mark.requirement("WC-DEP-ROUND-TRIP", "WC-DEP-UPDATE", "WC-DEP-CREATE")
@pytest.mark.operations(CREATE.operation_id, GET.operation_id, UPDATE.operation_id)
@given(first=DEPLOYMENT_BODIES, then=DEPLOYMENT_BODIES)
def test_generated_bodies_round_trip(first, then, admin, deployments, run_prefix):
    round_trip(admin, deployments, run_prefix, first, then)
