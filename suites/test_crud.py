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
    check_created,
    check_deployment_identity,
    check_error_body,
    check_fields_equal,
    check_no_body,
    check_success,
)
from webchat_contract.generated import load_schema
from webchat_contract.operations import CREATE, DELETE, DELETE_SETTINGS, GET, GET_SETTINGS, LIST, PUT_SETTINGS, UPDATE
from webchat_contract.prerequisites import not_verified
from webchat_contract.violations import expect, fail

pytestmark = pytest.mark.destructive


@pytest.fixture
def admin(webchat_target):
    """A client of a principal holding every permission the flows need."""
    principal = webchat_target.first_holding(*spec.permissions())
    if principal is None:
        pytest.skip(not_verified("no configured principal holds every permission"))
    return webchat_target.client(principal)


def listed(client, deployment_id: str) -> int:
    """How many times the list holds ``deployment_id``, after checking the listing itself (WC-DEP-LIST)."""
    response = client.get(LIST.path)
    listing = check_success(response, LIST, requirement="WC-DEP-LIST")
    entities = listing.get("entities")
    expect(isinstance(entities, list), "WC-DEP-LIST", f"entities is {entities!r}, not a list", response)
    if "total" in listing:
        expect(listing["total"] == len(entities), "WC-DEP-LIST", f"total {listing['total']!r} but {len(entities)} "
               "entities", response)  # fmt: skip
    return sum(1 for entity in entities if isinstance(entity, dict) and entity.get("id") == deployment_id)


def check_gone(response) -> None:
    """A deleted deployment: 404 with an ErrorBody; a success means the DELETE kept it (or a PUT created it)."""
    if 200 <= response.status_code < 300:
        if response.request.method == "PUT":
            fail("WC-DEP-NOT-FOUND", "PUT of a deleted deployment succeeded (PUT never creates)", response)
        fail("WC-DEP-DELETE", "the deleted deployment is still there", response)
    check_error_body(response, 404, "WC-DEP-NOT-FOUND")


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
    sent["name"] = created.get("name")
    check_fields_equal(sent, created, created_response, "WC-DEP-ROUND-TRIP")

    fetched_response = admin.get(GET.url_path(deployment_id))
    fetched = check_success(fetched_response, GET, requirement="WC-DEP-CREATE")
    check_fields_equal(sent, fetched, fetched_response, "WC-DEP-ROUND-TRIP")
    expect(listed(admin, deployment_id) == 1, "WC-DEP-LIST", f"the list does not hold {deployment_id} exactly once")

    update = renamed(spec.example_body(UPDATE.operation_id), run_prefix, "lifecycle-updated")
    update.update(description="updated", disabled=True, allowedDomains=["b.example", "a.example"])
    updated_response = admin.put(UPDATE.url_path(deployment_id), update)
    updated = check_success(updated_response, UPDATE, requirement="WC-DEP-UPDATE")
    check_deployment_identity(updated, updated_response, expected_id=deployment_id, requirement="WC-DEP-UPDATE")
    check_fields_equal(update, updated, updated_response, "WC-DEP-ROUND-TRIP")
    refetched_response = admin.get(GET.url_path(deployment_id))
    refetched = check_success(refetched_response, GET, requirement="WC-DEP-UPDATE")
    check_fields_equal(update, refetched, refetched_response, "WC-DEP-UPDATE")

    deleted = admin.delete(DELETE.url_path(deployment_id))
    check_success(deleted, DELETE, requirement="WC-DEP-DELETE")
    check_gone(admin.get(GET.url_path(deployment_id)))
    check_gone(admin.put(UPDATE.url_path(deployment_id), update))
    check_gone(admin.delete(DELETE.url_path(deployment_id)))
    deployments.forget(deployment_id)
    expect(listed(admin, deployment_id) == 0, "WC-DEP-DELETE", f"the list still holds deleted {deployment_id}")


@pytest.mark.requirement("WC-DEP-LIST")
@pytest.mark.operations(LIST.operation_id, CREATE.operation_id)
def test_list_holds_each_new_deployment_once(admin, deployments, run_prefix):
    ids = [check_created(deployments.create({"name": f"listed-{n}"}, client=admin)) for n in range(3)]
    for deployment_id in ids:
        if listed(admin, deployment_id) != 1:
            read(admin, deployment_id, "WC-DEP-CREATE")  # not stored at all: the POST's fault, not the list's
            fail("WC-DEP-LIST", f"the list does not hold {deployment_id} exactly once")


@pytest.mark.requirement("WC-DEP-NOT-FOUND")
@pytest.mark.operations(GET.operation_id, UPDATE.operation_id, DELETE.operation_id, LIST.operation_id)
def test_unknown_id_is_404_and_put_never_creates(admin, run_prefix, deployments):
    unknown = f"wcc-missing-{uuid.uuid4().hex}"
    check_error_body(admin.get(GET.url_path(unknown)), 404, "WC-DEP-NOT-FOUND")
    put = admin.put(UPDATE.url_path(unknown), renamed(spec.example_body(UPDATE.operation_id), run_prefix, "ghost"))
    if 200 <= put.status_code < 300:
        deployments.track(unknown)  # created after all: the run deletes it
    check_error_body(put, 404, "WC-DEP-NOT-FOUND")
    check_error_body(admin.delete(DELETE.url_path(unknown)), 404, "WC-DEP-NOT-FOUND")
    expect(listed(admin, unknown) == 0, "WC-DEP-NOT-FOUND", f"PUT of unknown id {unknown} created it")


def read(client, deployment_id: str, requirement: str) -> dict:
    response = client.get(GET.url_path(deployment_id))
    return check_success(response, GET, requirement=requirement)


@pytest.mark.requirement("WC-DEP-READ-ONLY-IDS", "WC-DEP-CREATE")
@pytest.mark.operations(CREATE.operation_id, GET.operation_id)
def test_post_ignores_a_client_supplied_id(admin, deployments):
    existing_id = check_created(deployments.create({"name": "existing"}, client=admin))
    existing = read(admin, existing_id, "WC-DEP-CREATE")
    for supplied in (f"wcc-client-{uuid.uuid4().hex}", existing_id):
        response = deployments.create({"name": "with-id", "id": supplied, "selfUri": "/elsewhere"}, client=admin)
        new_id = check_created(response)
        # an existing id answered to a POST that did not name it is no new id; whether a client-supplied one is
        # reused cannot be seen then (a static mock answers one id to every POST)
        expect(new_id != existing_id or supplied == existing_id, "WC-DEP-CREATE",
               f"POST answered the id of an existing deployment ({existing_id})", response)  # fmt: skip
        expect(new_id != supplied, "WC-DEP-READ-ONLY-IDS", f"POST reused the client-supplied id {supplied}", response)
    after = admin.get(GET.url_path(existing_id))
    check_fields_equal(existing, check_success(after, GET, requirement="WC-DEP-READ-ONLY-IDS"), after,
                       "WC-DEP-READ-ONLY-IDS")  # fmt: skip


@pytest.mark.requirement("WC-DEP-READ-ONLY-IDS")
@pytest.mark.operations(UPDATE.operation_id, GET.operation_id)
def test_put_changes_only_the_deployment_in_the_path(admin, deployments, run_prefix):
    first_id = check_created(deployments.create({"name": "first"}, client=admin))
    second_id = check_created(deployments.create({"name": "second"}, client=admin))
    second = read(admin, second_id, "WC-DEP-CREATE")
    body = {"name": run_prefix + "first-renamed", "id": second_id, "selfUri": GET.url_path(second_id)}
    response = admin.put(UPDATE.url_path(first_id), body)
    updated = check_success(response, UPDATE, requirement="WC-DEP-UPDATE")
    check_deployment_identity(updated, response, expected_id=first_id, requirement="WC-DEP-READ-ONLY-IDS")
    untouched = admin.get(GET.url_path(second_id))
    check_fields_equal(second, check_success(untouched, GET, requirement="WC-DEP-READ-ONLY-IDS"), untouched,
                       "WC-DEP-READ-ONLY-IDS")  # fmt: skip
    renamed_first = admin.get(GET.url_path(first_id))
    check_fields_equal({"name": body["name"]}, check_success(renamed_first, GET), renamed_first, "WC-DEP-UPDATE")


@pytest.mark.requirement("WC-SET-UPDATE", "WC-SET-DELETE")
@pytest.mark.operations(GET_SETTINGS.operation_id, PUT_SETTINGS.operation_id, DELETE_SETTINGS.operation_id)
def test_settings_lifecycle(admin, settings_guard):
    for value in (True, False, True):
        put = admin.put(PUT_SETTINGS.path, {"requireDeployment": value})
        answered = check_success(put, PUT_SETTINGS, requirement="WC-SET-UPDATE").get("requireDeployment")
        expect(answered is value, "WC-SET-UPDATE", f"PUT {value} answered {answered!r}", put)
        got = admin.get(GET_SETTINGS.path)
        stored = check_success(got, GET_SETTINGS).get("requireDeployment")
        expect(stored is value, "WC-SET-UPDATE", f"GET after PUT {value} answered {stored!r}", got)
    deleted = admin.delete(DELETE_SETTINGS.path)
    check_success(deleted, DELETE_SETTINGS, requirement="WC-SET-DELETE")
    check_no_body(deleted)
    got = admin.get(GET_SETTINGS.path)
    after = check_success(got, GET_SETTINGS)
    expect(after.get("requireDeployment") in (None, False), "WC-SET-DELETE", f"settings after DELETE: {after}", got)


@pytest.mark.requirement("WC-DEP-LIST")
@pytest.mark.operations(LIST.operation_id)
def test_list_entities_is_an_array_and_total_counts_them(admin):
    listed(admin, "")


# Bodies drawn by schemathesis from the POST operation's schema (writable fields only: readOnly ones are not
# generated for requests), with the awkward cases named outright.
DEPLOYMENT_BODIES = (
    load_schema()[CREATE.path][CREATE.method]
    .as_strategy(generation_mode=GenerationMode.POSITIVE)
    .map(lambda case: case.body)
    .filter(lambda body: isinstance(body, dict))
)
# the edges of valid input, reached in every profile rather than left to luck
AWKWARD = {
    "empty": {"name": "", "description": "", "allowedDomains": []},
    "unicode": {
        "name": "ünïcødé ✓ 漢字 \U0001f600",
        "description": " leading and trailing ",
        "flow": {"id": "", "name": "ß"},
    },
    "long": {"description": "x" * 5000, "allowedDomains": ["b.example", "a.example", "b.example"]},
    "empty-objects": {"webChatConfig": {}, "flow": {}, "authenticationRequired": True, "disabled": False},
    "name-300": {"name": "n" * 300},
    "over-1000-non-ascii": {"name": "ñ" * 1200, "description": "描述" * 800},
    "many-domains": {"allowedDomains": [f"d{n}.example" for n in range(300)]},
}


def round_trip(admin, deployments, run_prefix, first: dict, then: dict) -> None:
    """POST ``first``, GET, PUT ``then``, GET: every declared field sent comes back equal each time."""
    first = spec.declared_part(CREATE.request_model, {**first, "name": run_prefix + str(first.get("name", ""))})
    earlier = list(deployments.live)
    response = deployments.create(first, client=admin)
    try:
        created = check_success(response, CREATE)
        deployment_id = check_deployment_identity(created, response)
        check_fields_equal(first, created, response, "WC-DEP-ROUND-TRIP")
        fetched = admin.get(GET.url_path(deployment_id))
        check_fields_equal(first, check_success(fetched, GET, "WC-DEP-CREATE"), fetched, "WC-DEP-ROUND-TRIP")
        then = spec.declared_part(UPDATE.request_model, {**then, "name": run_prefix + str(then.get("name", ""))})
        put = admin.put(UPDATE.url_path(deployment_id), then)
        check_fields_equal(then, check_success(put, UPDATE, "WC-DEP-UPDATE"), put, "WC-DEP-ROUND-TRIP")
        refetched = admin.get(GET.url_path(deployment_id))
        check_fields_equal(then, check_success(refetched, GET, "WC-DEP-UPDATE"), refetched, "WC-DEP-UPDATE")
    finally:
        deployments.delete_created_since(earlier)


@pytest.mark.requirement("WC-DEP-ROUND-TRIP", "WC-DEP-UPDATE", "WC-DEP-CREATE", "WC-RESP-NO-5XX")
@pytest.mark.operations(CREATE.operation_id, GET.operation_id, UPDATE.operation_id)
@pytest.mark.parametrize("body", AWKWARD.values(), ids=AWKWARD.keys())
def test_awkward_bodies_round_trip(body, admin, deployments, run_prefix):
    round_trip(admin, deployments, run_prefix, body, {**body, "description": "changed"})


@pytest.mark.requirement("WC-DEP-ROUND-TRIP", "WC-DEP-UPDATE", "WC-DEP-CREATE")
@pytest.mark.operations(CREATE.operation_id, GET.operation_id, UPDATE.operation_id)
@given(first=DEPLOYMENT_BODIES, then=DEPLOYMENT_BODIES)
def test_generated_bodies_round_trip(first, then, admin, deployments, run_prefix):
    round_trip(admin, deployments, run_prefix, first, then)
