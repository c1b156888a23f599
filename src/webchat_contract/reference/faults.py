"""Fault switches: ways a faulty variant of the reference target breaks the contract on purpose.

Each fault is one entry in ``FAULTS`` (name -> what the faulty target does wrong) and one ``if`` at the place
in the app where the clean target would do the right thing. Running the suite against a faulty variant proves
that the suite notices the bug.
"""

from __future__ import annotations

from collections.abc import Iterable

from webchat_contract import spec

SKIP_PERMISSION_CHECK = "skip-permission-check"
WRONG_PERMISSION = "wrong-permission"
ANY_TOKEN_ACCEPTED = "any-token-accepted"
FORBIDDEN_INSTEAD_OF_UNAUTHORIZED = "forbidden-instead-of-unauthorized"
ACT_BEFORE_DENY = "act-before-deny"
VALIDATE_BEFORE_AUTH = "validate-before-auth"
LOOKUP_BEFORE_AUTH = "lookup-before-auth"


def operation_fault(kind: str, operation_id: str) -> str:
    """The name of a fault that affects one operation only, e.g. ``skip-permission-check:getWebchatSettings``."""
    return f"{kind}:{operation_id}"


def wrong_permission_for(permission: str) -> str:
    """What ``wrong-permission`` checks instead: the next permission in ``spec.permissions()``, cyclically."""
    permissions = spec.permissions()
    return permissions[(permissions.index(permission) + 1) % len(permissions)]


def _operation_faults() -> dict[str, str]:
    faults = {}
    for op in spec.operations():
        faults[operation_fault(SKIP_PERMISSION_CHECK, op.operation_id)] = (
            f"{op.method} {op.path} lets any known token through, whatever its permissions"
        )
    for op in spec.operations():
        faults[operation_fault(WRONG_PERMISSION, op.operation_id)] = (
            f"{op.method} {op.path} checks {wrong_permission_for(op.permission)} instead of {op.permission}"
        )
    return faults


FAULTS: dict[str, str] = {
    **_operation_faults(),
    ANY_TOKEN_ACCEPTED: "an unknown bearer token is treated as holding every permission (no header still gets 401)",
    FORBIDDEN_INSTEAD_OF_UNAUTHORIZED: "API operations answer 403 where 401 is due (no header, bad or expired token)",
    ACT_BEFORE_DENY: "POST/PUT/DELETE perform the action first, then answer 403 when the permission is missing",
    VALIDATE_BEFORE_AUTH: "the request body is checked (400, 413, 415) before the 401/403 decision",
    LOOKUP_BEFORE_AUTH: "an unknown deployment id gets 404 before the 401/403 decision",
}


def validate_faults(names: Iterable[str]) -> frozenset[str]:
    """The given fault names as a set; ValueError for a name not in ``FAULTS``."""
    chosen = frozenset(names)
    for name in sorted(chosen):
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
    return chosen
