"""Faults of what is stored and answered back: deployments and settings that are not kept, lists that are wrong,
values that change on the way, ids that are wrong or taken from the body."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from webchat_contract import spec
from webchat_contract.operations import LIST
from webchat_contract.reference.bodies import unknown_fields
from webchat_contract.reference.call import Call
from webchat_contract.reference.faults.fault import Fault, registering

FAULTS: list[Fault] = []
fault = registering(FAULTS)

DROPPED_FIELD = "description"  # what drops-description leaves out


# --- persistence --------------------------------------------------------------------------------------------------


@fault(
    "post-not-persisted",
    "WC-DEP-CREATE",
    hook="create_deployment",
    description="POST answers the new deployment but stores nothing: GET of its id is 404",
)
def _post_not_persisted(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return target.deployments.draft(call.fields)


@fault(
    "put-not-persisted",
    "WC-DEP-UPDATE",
    hook="replace_deployment",
    description="PUT answers the changed deployment but stores nothing",
)
def _put_not_persisted(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return target.deployments.draft(call.fields, call.deployment_id)


@fault(
    "delete-keeps-deployment",
    "WC-DEP-DELETE",
    hook="delete_deployment",
    description="DELETE of a deployment answers 204 but the deployment stays",
)
def _delete_keeps_deployment(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return target.deployments.get(call.deployment_id)


@fault(
    "put-creates-unknown-id",
    "WC-DEP-NOT-FOUND",
    hook="look_up",
    description="PUT of an unknown id creates a deployment with that id (200)",
)
def _put_creates_unknown_id(target: Any, strict: Callable, call: Call) -> None:
    if call.op.method != "PUT":
        strict(call)


@fault(
    "settings-not-persisted",
    "WC-SET-UPDATE",
    hook="replace_settings",
    description="PUT settings answers the new settings but stores nothing",
)
def _settings_not_persisted(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return dict(call.fields)


@fault(
    "settings-delete-keeps",
    "WC-SET-DELETE",
    hook="delete_settings",
    description="DELETE settings answers 204 but the settings stay as they were",
)
def _settings_delete_keeps(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return target.settings.get()


# --- the list -----------------------------------------------------------------------------------------------------


@fault(
    "list-omits-newest",
    "WC-DEP-LIST",
    hook="deployments_listed",
    description="the list leaves out the most recently created deployment",
)
def _list_omits_newest(target: Any, strict: Callable) -> list[dict[str, Any]]:
    return strict()[:-1]


@fault(
    "list-duplicates-entry",
    "WC-DEP-LIST",
    hook="deployments_listed",
    description="the list holds the oldest deployment twice",
)
def _list_duplicates_entry(target: Any, strict: Callable) -> list[dict[str, Any]]:
    entities = strict()
    return entities + entities[:1]


@fault(
    "wrong-total",
    "WC-DEP-LIST",
    hook="list_deployments",
    description="the list's total is one more than the number of entities",
)
def _wrong_total(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    listing = strict(call)
    return {**listing, "total": listing["total"] + 1}


@fault(
    "null-entities-when-empty",
    "WC-DEP-LIST",
    hook="list_deployments",
    description='an empty list is answered "entities": null',
    also_fails={"WC-RESP-SUCCESS": "null entities do not fit the list model"},
)
def _null_entities_when_empty(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    listing = strict(call)
    return listing if listing["entities"] else {**listing, "entities": None}


# --- values as stored and answered --------------------------------------------------------------------------------


@fault(
    "drops-description",
    "WC-DEP-ROUND-TRIP",
    hook="get_deployment",
    description=f"GET by id leaves out the stored {DROPPED_FIELD}",
    also_fails={"WC-DEP-UPDATE": f"the GET after a PUT lacks the {DROPPED_FIELD} the PUT answered"},
)
def _drops_description(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return {name: value for name, value in strict(call).items() if name != DROPPED_FIELD}


@fault(
    "reorders-allowed-domains",
    "WC-DEP-ROUND-TRIP",
    hook="storable_fields",
    description="arrays of strings (allowedDomains) are stored sorted",
)
def _reorders_allowed_domains(target: Any, strict: Callable, model: str, body: dict[str, Any]) -> dict[str, Any]:
    return {name: sorted(value) if _is_string_array(value) else value for name, value in strict(model, body).items()}


def _is_string_array(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


@fault(
    "trims-strings",
    "WC-DEP-ROUND-TRIP",
    hook="storable_fields",
    description="leading and trailing whitespace of string fields (name, ...) is stripped",
)
def _trims_strings(target: Any, strict: Callable, model: str, body: dict[str, Any]) -> dict[str, Any]:
    return {name: value.strip() if isinstance(value, str) else value for name, value in strict(model, body).items()}


@fault(
    "nested-ids-dropped",
    "WC-DEP-ROUND-TRIP",
    hook="storable_fields",
    description="id and selfUri are dropped from nested objects too (flow.id, flow.selfUri), as if read-only there",
)
def _nested_ids_dropped(target: Any, strict: Callable, model: str, body: dict[str, Any]) -> dict[str, Any]:
    read_only = spec.read_only_fields(model)
    return {
        name: {key: item for key, item in value.items() if key not in read_only} if isinstance(value, dict) else value
        for name, value in strict(model, body).items()
    }


@fault(
    "unknown-fields-echoed",
    "WC-VAL-UNKNOWN-FIELDS",
    hook="storable_fields",
    description="unknown top-level fields are stored and answered back",
)
def _unknown_fields_echoed(target: Any, strict: Callable, model: str, body: dict[str, Any]) -> dict[str, Any]:
    return {**strict(model, body), **{name: body[name] for name in unknown_fields(model, body)}}


# --- ids ----------------------------------------------------------------------------------------------------------


@fault(
    "wrong-self-uri",
    "WC-DEP-CREATE",
    hook="self_uri",
    description="a deployment's selfUri is the collection's path, without the id",
)
def _wrong_self_uri(target: Any, strict: Callable, deployment_id: str) -> str:
    return LIST.path


@fault(
    "empty-id",
    "WC-DEP-CREATE",
    hook="create_deployment",
    description='POST answers "id": "" (the deployment is stored under a proper id)',
)
def _empty_id(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return {**strict(call), "id": ""}


@fault(
    "post-null-id",
    "WC-DEP-CREATE",
    hook="create_deployment",
    description='POST answers "id": null (the deployment is stored under a proper id)',
    also_fails={"WC-RESP-SUCCESS": "a null id does not fit the deployment model"},
)
def _post_null_id(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    return {**strict(call), "id": None}


@fault(
    "client-id-honoured",
    "WC-DEP-READ-ONLY-IDS",
    hook="create_deployment",
    description="POST stores the deployment under the body's id when it has one, overwriting a deployment with that id",
)
def _client_id_honoured(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    client_id = call.body.get("id")
    if isinstance(client_id, str) and client_id:
        return target.deployments.replace(client_id, call.fields)
    return strict(call)


@fault(
    "put-body-id-wins",
    "WC-DEP-READ-ONLY-IDS",
    hook="replace_deployment",
    description="PUT changes the deployment named by the body's id (when it exists) instead of the one in the path",
)
def _put_body_id_wins(target: Any, strict: Callable, call: Call) -> dict[str, Any]:
    body_id = call.body.get("id")
    if isinstance(body_id, str) and target.deployments.exists(body_id):
        return strict(dataclasses.replace(call, deployment_id=body_id))
    return strict(call)
