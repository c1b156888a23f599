"""Fault switches: ways a faulty variant of the reference target breaks the contract on purpose.

Each fault is one entry in ``FAULTS`` (name -> ``Fault``: what the faulty target does wrong, and the id of the
requirement in ``schemas/requirements.yaml`` it breaks) and one ``if`` at the place in the reference target where
the clean target does the right thing. Running the suite against a faulty variant proves that the suite notices
the bug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from webchat_contract import spec


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    requirement: str  # the id of the requirement the fault breaks, from spec.requirements()


# --- authentication and permissions -------------------------------------------------------------------------------
SKIP_PERMISSION_CHECK = "skip-permission-check"
WRONG_PERMISSION = "wrong-permission"
ALL_PERMISSIONS_REQUIRED = "all-permissions-required"
ANY_TOKEN_ACCEPTED = "any-token-accepted"
FORBIDDEN_INSTEAD_OF_UNAUTHORIZED = "forbidden-instead-of-unauthorized"
ACT_BEFORE_DENY = "act-before-deny"
DENIED_PUT_STORES = "denied-put-stores"
VALIDATE_BEFORE_AUTH = "validate-before-auth"
LOOKUP_BEFORE_AUTH = "lookup-before-auth"
# --- persistence --------------------------------------------------------------------------------------------------
POST_NOT_PERSISTED = "post-not-persisted"
PUT_NOT_PERSISTED = "put-not-persisted"
DELETE_KEEPS_DEPLOYMENT = "delete-keeps-deployment"
PUT_CREATES_UNKNOWN_ID = "put-creates-unknown-id"
SETTINGS_NOT_PERSISTED = "settings-not-persisted"
SETTINGS_DELETE_KEEPS = "settings-delete-keeps"
# --- representation -----------------------------------------------------------------------------------------------
LIST_OMITS_NEWEST = "list-omits-newest"
LIST_DUPLICATES_ENTRY = "list-duplicates-entry"
WRONG_TOTAL = "wrong-total"
NULL_ENTITIES_WHEN_EMPTY = "null-entities-when-empty"
DROPS_DESCRIPTION = "drops-description"
REORDERS_ALLOWED_DOMAINS = "reorders-allowed-domains"
TRIMS_STRINGS = "trims-strings"
NESTED_IDS_DROPPED = "nested-ids-dropped"
WRONG_SELF_URI = "wrong-self-uri"
EMPTY_ID = "empty-id"
POST_NULL_ID = "post-null-id"
NON_JSON_SUCCESS = "non-json-success"
BOOLEAN_AS_STRING = "boolean-as-string"
TEXT_CONTENT_TYPE = "text-content-type"
ERROR_STATUS_MISMATCH = "error-status-mismatch"
ERROR_NOT_JSON = "error-not-json"
# --- requests as the platform's clients send them -----------------------------------------------------------------
CONTENT_TYPE_WITHOUT_BODY_REFUSED = "content-type-without-body-refused"
CONTENT_TYPE_REQUIRED = "content-type-required"
# --- answers the official SDK cannot read -------------------------------------------------------------------------
JSON_IN_UTF16 = "json-in-utf-16"
# --- status codes -------------------------------------------------------------------------------------------------
POST_ANSWERS_201 = "post-answers-201"
DELETE_ANSWERS_200_WITH_BODY = "delete-answers-200-with-body"
NOT_FOUND_AS_400 = "not-found-as-400"
# --- validation ---------------------------------------------------------------------------------------------------
STRING_TYPES_UNCHECKED = "string-types-unchecked"
NULL_ACCEPTED = "null-accepted"
NO_ENUM_CHECK = "no-enum-check"
ALLOWED_DOMAINS_UNCHECKED = "allowed-domains-unchecked"
NON_OBJECT_BODY_ACCEPTED = "non-object-body-accepted"
MISSING_BODY_ACCEPTED = "missing-body-accepted"
UNKNOWN_FIELDS_ECHOED = "unknown-fields-echoed"
UNKNOWN_FIELDS_REJECTED = "unknown-fields-rejected"
# --- 5xx on unusual but valid input -------------------------------------------------------------------------------
FAIL_ON_NON_ASCII = "500-on-non-ascii"
FAIL_ON_EMPTY_ARRAY = "500-on-empty-array"
FAIL_ON_LONG_STRING = "500-on-long-string"
FAIL_ON_LONG_NAME = "500-on-long-name"
# --- ids in request bodies ----------------------------------------------------------------------------------------
CLIENT_ID_HONOURED = "client-id-honoured"
PUT_BODY_ID_WINS = "put-body-id-wins"

DROPPED_FIELD = "description"  # what drops-description leaves out
LONG_STRING = 1000  # 500-on-long-string fails on a string longer than this
LONG_NAME = 255  # 500-on-long-name fails on a name longer than this
MISMATCHED_ERROR_STATUS = 400  # the ErrorBody status error-status-mismatch always reports


def operation_fault(kind: str, operation_id: str) -> str:
    """The name of a fault that affects one operation only, e.g. ``skip-permission-check:getWebchatSettings``."""
    return f"{kind}:{operation_id}"


def wrong_permission_for(permission: str) -> str:
    """What ``wrong-permission`` checks instead: the next permission in ``spec.permissions()``, cyclically."""
    permissions = spec.permissions()
    return permissions[(permissions.index(permission) + 1) % len(permissions)]


def _operation_faults() -> list[Fault]:
    faults = []
    for op in spec.operations():
        name = operation_fault(SKIP_PERMISSION_CHECK, op.operation_id)
        description = f"{op.method} {op.path} lets any known token through, whatever its permissions"
        faults.append(Fault(name, description, "WC-AUTH-403"))
    for op in spec.operations():
        name = operation_fault(WRONG_PERMISSION, op.operation_id)
        # It also denies the holders of the right permission (WC-AUTH-ALLOWED); the 403 side is the one named.
        description = f"{op.method} {op.path} checks {wrong_permission_for(op.permission)} instead of {op.permission}"
        faults.append(Fault(name, description, "WC-AUTH-403"))
    return faults


_FAULT_LIST = [
    *_operation_faults(),
    Fault(
        ALL_PERMISSIONS_REQUIRED,
        "every operation demands every webchat permission, so a token holding just the operation's one is denied",
        "WC-AUTH-ALLOWED",
    ),
    Fault(
        ANY_TOKEN_ACCEPTED,
        "an unknown bearer token is treated as holding every permission (no header still gets 401)",
        "WC-AUTH-401",
    ),
    Fault(
        FORBIDDEN_INSTEAD_OF_UNAUTHORIZED,
        "API operations answer 403 where 401 is due (no header, bad or expired token)",
        "WC-AUTH-401",
    ),
    Fault(
        ACT_BEFORE_DENY,
        "POST/PUT/DELETE perform the action first, then answer 403 when the permission is missing",
        "WC-AUTH-NO-EFFECT",
    ),
    Fault(
        DENIED_PUT_STORES,
        "a PUT denied with 403 (permission missing) stores its body anyway",
        "WC-AUTH-NO-EFFECT",
    ),
    Fault(
        VALIDATE_BEFORE_AUTH, "the request body is checked (400, 413, 415) before the 401/403 decision", "WC-AUTH-ORDER"
    ),
    Fault(LOOKUP_BEFORE_AUTH, "an unknown deployment id gets 404 before the 401/403 decision", "WC-AUTH-ORDER"),
    Fault(
        POST_NOT_PERSISTED, "POST answers the new deployment but stores nothing: GET of its id is 404", "WC-DEP-CREATE"
    ),
    Fault(PUT_NOT_PERSISTED, "PUT answers the changed deployment but stores nothing", "WC-DEP-UPDATE"),
    Fault(DELETE_KEEPS_DEPLOYMENT, "DELETE of a deployment answers 204 but the deployment stays", "WC-DEP-DELETE"),
    Fault(PUT_CREATES_UNKNOWN_ID, "PUT of an unknown id creates a deployment with that id (200)", "WC-DEP-NOT-FOUND"),
    Fault(SETTINGS_NOT_PERSISTED, "PUT settings answers the new settings but stores nothing", "WC-SET-UPDATE"),
    Fault(SETTINGS_DELETE_KEEPS, "DELETE settings answers 204 but the settings stay as they were", "WC-SET-DELETE"),
    Fault(LIST_OMITS_NEWEST, "the list leaves out the most recently created deployment", "WC-DEP-LIST"),
    Fault(LIST_DUPLICATES_ENTRY, "the list holds the oldest deployment twice", "WC-DEP-LIST"),
    Fault(WRONG_TOTAL, "the list's total is one more than the number of entities", "WC-DEP-LIST"),
    Fault(NULL_ENTITIES_WHEN_EMPTY, 'an empty list is answered "entities": null', "WC-DEP-LIST"),
    Fault(DROPS_DESCRIPTION, f"GET by id leaves out the stored {DROPPED_FIELD}", "WC-DEP-ROUND-TRIP"),
    Fault(REORDERS_ALLOWED_DOMAINS, "arrays of strings (allowedDomains) are stored sorted", "WC-DEP-ROUND-TRIP"),
    Fault(
        TRIMS_STRINGS, "leading and trailing whitespace of string fields (name, ...) is stripped", "WC-DEP-ROUND-TRIP"
    ),
    Fault(
        NESTED_IDS_DROPPED,
        "id and selfUri are dropped from nested objects too (flow.id, flow.selfUri), as if read-only there",
        "WC-DEP-ROUND-TRIP",
    ),
    Fault(WRONG_SELF_URI, "a deployment's selfUri is the collection's path, without the id", "WC-DEP-CREATE"),
    Fault(EMPTY_ID, 'POST answers "id": "" (the deployment is stored under a proper id)', "WC-DEP-CREATE"),
    Fault(POST_NULL_ID, 'POST answers "id": null (the deployment is stored under a proper id)', "WC-DEP-CREATE"),
    Fault(
        NON_JSON_SUCCESS, "success bodies are the text OK (Content-Type application/json), not JSON", "WC-RESP-SUCCESS"
    ),
    Fault(BOOLEAN_AS_STRING, 'booleans in success bodies are answered as strings ("true", "false")', "WC-RESP-SUCCESS"),
    Fault(TEXT_CONTENT_TYPE, "success bodies (JSON) are sent with Content-Type text/plain", "WC-RESP-CONTENT-TYPE"),
    Fault(
        ERROR_STATUS_MISMATCH,
        f"an API ErrorBody's status is always {MISMATCHED_ERROR_STATUS}, whatever the HTTP status",
        "WC-RESP-ERROR-BODY",
    ),
    Fault(ERROR_NOT_JSON, "API errors are answered as plain text, not as an ErrorBody", "WC-RESP-ERROR-BODY"),
    Fault(
        CONTENT_TYPE_WITHOUT_BODY_REFUSED,
        "a GET or DELETE that carries a Content-Type (as every SDK request does) gets 415",
        "WC-REQ-CLIENT-HEADERS",
    ),
    Fault(
        JSON_IN_UTF16,
        "success bodies are JSON encoded in UTF-16 (Content-Type: application/json; charset=utf-16), which "
        "CONTRACT.md does not pin down but the official SDK decodes as UTF-8 only",
        "WC-SDK-COMPAT",
    ),
    Fault(
        CONTENT_TYPE_REQUIRED,
        "a GET or DELETE without a Content-Type gets 415 (only requests shaped like the SDKs' are served)",
        "WC-REQ-CLIENT-HEADERS",
    ),
    Fault(POST_ANSWERS_201, "POST answers 201 instead of 200", "WC-RESP-SUCCESS"),
    Fault(
        DELETE_ANSWERS_200_WITH_BODY, "the DELETEs answer 200 with what they deleted instead of 204", "WC-RESP-SUCCESS"
    ),
    Fault(NOT_FOUND_AS_400, "an unknown deployment id gets 400 instead of 404", "WC-DEP-NOT-FOUND"),
    Fault(STRING_TYPES_UNCHECKED, "a string field accepts any JSON type (a number as name is stored)", "WC-VAL-BODY"),
    Fault(NULL_ACCEPTED, "null is accepted (and stored) for any field", "WC-VAL-BODY"),
    Fault(NO_ENUM_CHECK, "any webChatSkin is accepted and stored", "WC-VAL-BODY"),
    Fault(ALLOWED_DOMAINS_UNCHECKED, "the items of allowedDomains are not checked (a number is stored)", "WC-VAL-BODY"),
    Fault(NON_OBJECT_BODY_ACCEPTED, "a JSON body that is no object (array, number, ...) is taken as {}", "WC-VAL-BODY"),
    Fault(MISSING_BODY_ACCEPTED, "an empty body on POST or PUT is taken as {}", "WC-VAL-MISSING-BODY"),
    Fault(UNKNOWN_FIELDS_ECHOED, "unknown top-level fields are stored and answered back", "WC-VAL-UNKNOWN-FIELDS"),
    Fault(UNKNOWN_FIELDS_REJECTED, "a body with an unknown top-level field gets 400", "WC-VAL-UNKNOWN-FIELDS"),
    Fault(FAIL_ON_NON_ASCII, "500 when a string in the body holds a non-ASCII character", "WC-RESP-NO-5XX"),
    Fault(FAIL_ON_EMPTY_ARRAY, "500 when the body holds an empty array (allowedDomains: [])", "WC-RESP-NO-5XX"),
    Fault(FAIL_ON_LONG_STRING, f"500 when a string in the body is over {LONG_STRING} characters", "WC-RESP-NO-5XX"),
    Fault(FAIL_ON_LONG_NAME, f"500 when the name is over {LONG_NAME} characters", "WC-RESP-NO-5XX"),
    Fault(
        CLIENT_ID_HONOURED,
        "POST stores the deployment under the body's id when it has one, overwriting a deployment with that id",
        "WC-DEP-READ-ONLY-IDS",
    ),
    Fault(
        PUT_BODY_ID_WINS,
        "PUT changes the deployment named by the body's id (when it exists) instead of the one in the path",
        "WC-DEP-READ-ONLY-IDS",
    ),
]

FAULTS: dict[str, Fault] = {fault.name: fault for fault in _FAULT_LIST}


def known_names(kind: str, names: Iterable[str], known: Iterable[str]) -> frozenset[str]:
    """``names`` as a set; ValueError naming the first one not in ``known`` (and what is known)."""
    chosen, known = frozenset(names), list(known)
    for name in sorted(chosen):
        if name not in known:
            raise ValueError(f"unknown {kind} {name!r} (known: {', '.join(known)})")
    return chosen


def validate_faults(names: Iterable[str]) -> frozenset[str]:
    """The given fault names as a set; ValueError for a name not in ``FAULTS``."""
    return known_names("fault", names, FAULTS)
