"""One request to an API operation of the reference target, as its steps see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers

from webchat_contract import spec


@dataclass
class Call:
    """One request to an API operation, and what the target's steps learned about it so far."""

    op: spec.Operation
    headers: Headers
    raw_body: bytes | None  # None: over the size limit
    deployment_id: str | None
    permissions: frozenset[str] = frozenset()
    body: dict[str, Any] = field(default_factory=dict)  # as sent
    fields: dict[str, Any] = field(default_factory=dict)  # what is stored from it
