"""The reference target's state: deployments in creation order, and the global settings.

Only ever touched from the event loop's thread, and never across an ``await``, so each change is atomic.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from webchat_contract.reference.errors import ApiError


class DeploymentStore:
    def __init__(self, limit: int, entity_path: Callable[[str], str]) -> None:
        self.limit = limit
        self._entity_path = entity_path
        self._deployments: dict[str, dict[str, Any]] = {}  # insertion order is creation order

    def exists(self, deployment_id: str | None) -> bool:
        return deployment_id in self._deployments

    def all(self) -> list[dict[str, Any]]:
        """Every deployment, in creation order."""
        return list(self._deployments.values())

    def get(self, deployment_id: str) -> dict[str, Any]:
        return self._deployments[deployment_id]

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        if len(self._deployments) >= self.limit:
            raise ApiError(
                409,
                "maximum.deployments.exceeded",
                f"No more than {self.limit} deployments allowed",
                limit={"key": "deployments", "namespace": "webchat", "value": self.limit},
            )
        deployment = self.draft(fields)
        self._deployments[deployment["id"]] = deployment
        return deployment

    def replace(self, deployment_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Replace every writable field (those left out are cleared); the id and selfUri stay."""
        self._deployments[deployment_id] = self.draft(fields, deployment_id)
        return self._deployments[deployment_id]

    def delete(self, deployment_id: str) -> dict[str, Any]:
        """Remove the deployment; answers what was removed."""
        return self._deployments.pop(deployment_id)

    def draft(self, fields: dict[str, Any], deployment_id: str | None = None) -> dict[str, Any]:
        """The deployment as it would be stored (under a new id when none is given), without storing it."""
        deployment_id = str(uuid.uuid4()) if deployment_id is None else deployment_id
        return {"id": deployment_id, **fields, "selfUri": self._entity_path(deployment_id)}


class SettingsStore:
    def __init__(self) -> None:
        self._fields: dict[str, Any] = {}

    def get(self) -> dict[str, Any]:
        return self._fields

    def replace(self, fields: dict[str, Any]) -> dict[str, Any]:
        self._fields = fields
        return self._fields

    def clear(self) -> dict[str, Any]:
        """Forget the settings; answers what they were."""
        cleared, self._fields = self._fields, {}
        return cleared
