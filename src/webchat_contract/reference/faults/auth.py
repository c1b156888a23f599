"""Faults of authentication and permissions: who gets through, with which status, and in which order."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from webchat_contract import spec
from webchat_contract.reference.call import Call
from webchat_contract.reference.errors import ApiError, Forbidden
from webchat_contract.reference.faults.fault import Fault, registering

FAULTS: list[Fault] = []
fault = registering(FAULTS)


def wrong_permission_for(permission: str) -> str:
    """What ``wrong-permission`` checks instead: the next permission in ``spec.permissions()``, cyclically."""
    permissions = spec.permissions()
    return permissions[(permissions.index(permission) + 1) % len(permissions)]


def _skip_permission_check(faulty: spec.Operation, target: Any, strict: Callable, op: spec.Operation) -> list[str]:
    return [] if op == faulty else strict(op)


def _wrong_permission(faulty: spec.Operation, target: Any, strict: Callable, op: spec.Operation) -> list[str]:
    return [wrong_permission_for(op.permission)] if op == faulty else strict(op)


# one of each per operation, e.g. skip-permission-check:getWebchatSettings
for _op in spec.operations():
    fault(
        f"skip-permission-check:{_op.operation_id}",
        "WC-AUTH-403",
        hook="required_permissions",
        description=f"{_op.method} {_op.path} lets any known token through, whatever its permissions",
    )(functools.partial(_skip_permission_check, _op))
for _op in spec.operations():
    _wrong = wrong_permission_for(_op.permission)
    fault(
        f"wrong-permission:{_op.operation_id}",
        "WC-AUTH-403",
        hook="required_permissions",
        description=f"{_op.method} {_op.path} checks {_wrong} instead of {_op.permission}",
        also_fails={"WC-AUTH-ALLOWED": "the holders of the right permission are denied too"},
    )(functools.partial(_wrong_permission, _op))


@fault(
    "all-permissions-required",
    "WC-AUTH-ALLOWED",
    hook="required_permissions",
    description="every operation demands every webchat permission, so a token holding just the operation's one is "
    "denied",
)
def _all_permissions_required(target: Any, strict: Callable, op: spec.Operation) -> list[str]:
    return spec.permissions()


@fault(
    "any-token-accepted",
    "WC-AUTH-401",
    hook="permissions_of",
    description="an unknown bearer token is treated as holding every permission (no header still gets 401)",
)
def _any_token_accepted(target: Any, strict: Callable, token: str | None) -> frozenset[str]:
    if token and target.credentials.grant_for(token) is None:
        return frozenset(spec.permissions())
    return strict(token)


@fault(
    "forbidden-instead-of-unauthorized",
    "WC-AUTH-401",
    hook="unauthorized",
    description="API operations answer 403 where 401 is due (no header, bad or expired token)",
)
def _forbidden_instead_of_unauthorized(target: Any, strict: Callable, code: str, message: str) -> ApiError:
    return ApiError(403, "not.authorized", message)


def _act_as_if_permitted(target: Any, call: Call) -> None:
    """Do what a permitted request would have done (nothing when another check refuses it)."""
    try:
        for decide in target.decisions():
            if decide != target.authorize:
                decide(call)
        target.perform(call)
    except ApiError:
        pass


@fault(
    "act-before-deny",
    "WC-AUTH-NO-EFFECT",
    hook="answer",
    description="POST/PUT/DELETE perform the action first, then answer 403 when the permission is missing",
)
def _act_before_deny(target: Any, strict: Callable, call: Call) -> Any:
    try:
        return strict(call)
    except Forbidden:
        if call.op.writes:
            _act_as_if_permitted(target, call)
        raise


@fault(
    "denied-put-stores",
    "WC-AUTH-NO-EFFECT",
    hook="answer",
    description="a PUT denied with 403 (permission missing) stores its body anyway",
)
def _denied_put_stores(target: Any, strict: Callable, call: Call) -> Any:
    try:
        return strict(call)
    except Forbidden:
        if call.op.method == "PUT":
            _act_as_if_permitted(target, call)
        raise


def _first(step: Callable, decisions: list[Callable]) -> list[Callable]:
    return [step, *(decide for decide in decisions if decide != step)]


@fault(
    "validate-before-auth",
    "WC-AUTH-ORDER",
    hook="decisions",
    description="the request body is checked (400, 413, 415) before the 401/403 decision",
)
def _validate_before_auth(target: Any, strict: Callable) -> list[Callable]:
    return _first(target.check_body, strict())


@fault(
    "lookup-before-auth",
    "WC-AUTH-ORDER",
    hook="decisions",
    description="an unknown deployment id gets 404 before the 401/403 decision",
)
def _lookup_before_auth(target: Any, strict: Callable) -> list[Callable]:
    return _first(target.look_up, strict())
