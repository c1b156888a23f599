"""The principals of one run of the reference target, each with fresh random credentials.

``admin`` holds every permission and logs in with OAuth client credentials; every other principal holds a
static bearer token: ``only-<verb>`` (just that permission), ``all-but-<verb>`` (all others) and ``none``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from webchat_contract import spec
from webchat_contract.config import Principal

ADMIN = "admin"
NOBODY = "none"


Principals = Mapping[str, Principal]


def short_verb(permission: str) -> str:
    """``webchat:deployment:read`` -> ``read``."""
    return permission.rsplit(":", 1)[-1]


def permission_sets() -> dict[str, tuple[str, ...]]:
    """Principal name -> the permissions it holds, in ``spec.permissions()`` order."""
    everything = tuple(spec.permissions())
    sets = {ADMIN: everything}
    for permission in everything:
        sets[f"only-{short_verb(permission)}"] = (permission,)
        sets[f"all-but-{short_verb(permission)}"] = tuple(p for p in everything if p != permission)
    sets[NOBODY] = ()
    return sets


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def generate_principals() -> dict[str, Principal]:
    """Fresh principals for one run: name -> Principal (the same type a target config's principals are)."""
    principals = {}
    for name, permissions in permission_sets().items():
        if name == ADMIN:
            principal = Principal(
                name, frozenset(permissions), client_id=secrets.token_urlsafe(16), client_secret=_new_secret()
            )
        else:
            principal = Principal(name, frozenset(permissions), token=_new_secret())
        principals[name] = principal
    return principals
