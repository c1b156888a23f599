"""What a request may have changed: the suite's own deployments and the settings, before and after."""

from __future__ import annotations

from typing import Any

from . import spec
from .checks import success_violations
from .cleanup import DeploymentTracker
from .client import ApiClient
from .operations import GET_SETTINGS, LIST
from .prerequisites import require
from .violations import raise_if_any, violation

READABLE_LIST = "a readable list of deployments"
READABLE_SETTINGS = "readable settings"


class StateProbe:
    """Reads the part of the target the suite may touch: the run's deployments (tracked, or named or described
    with the run prefix) and the settings."""

    def __init__(self, reader: ApiClient, tracker: DeploymentTracker):
        self.reader = reader
        self.tracker = tracker

    def snapshot(self, operation: spec.Operation) -> dict[str, Any]:
        """What ``operation`` could change: the run's deployments, and the settings if it is a settings operation
        (the settings are global: other workers of a parallel run may change them between two readings)."""
        return self._read(with_settings=operation.resource == "settings")

    def _read(self, with_settings: bool) -> dict[str, Any]:
        entities = require(READABLE_LIST, self._entities)
        snapshot = {"deployments": {e["id"]: e for e in entities if self._is_ours(e)}}
        if with_settings:
            snapshot["settings"] = require(READABLE_SETTINGS, self._settings)
        return snapshot

    def _entities(self) -> list[dict[str, Any]]:
        """The listed deployments that have an id. A bare array is read too: the probe only needs to see what
        changed (the list tests judge the listing's shape)."""
        response = self.reader.get(LIST.path)
        found, listing = success_violations(response, LIST)
        entities = listing.get("entities") if isinstance(listing, dict) else listing
        if not isinstance(entities, list):
            if 200 <= response.status_code < 300 and listing is not None:
                found = [violation("WC-DEP-LIST", f"the list holds no array of deployments ({entities!r})", response)]
            raise_if_any(found)
        return [e for e in entities if isinstance(e, dict) and isinstance(e.get("id"), str)]

    def _settings(self) -> Any:
        response = self.reader.get(GET_SETTINGS.path)
        found, body = success_violations(response, GET_SETTINGS)
        if body is None:
            raise_if_any(found or [violation("WC-RESP-SUCCESS", "the settings have no body", response)])
        return body

    def _is_ours(self, entity: dict[str, Any]) -> bool:
        prefix = self.tracker.name_prefix
        marked = any(str(entity.get(key, "")).startswith(prefix) for key in ("name", "description"))
        return marked or entity.get("id") in self.tracker.live

    def changes_since(self, before: dict[str, Any]) -> list[str]:
        """What differs from ``before``; deployments that appeared are tracked so the run deletes them."""
        after = self._read(with_settings="settings" in before)
        changes = []
        old, new = before["deployments"], after["deployments"]
        for deployment_id in new.keys() - old.keys():
            self.tracker.track(deployment_id)
            changes.append(f"deployment {deployment_id} was created")
        changes += [f"deployment {i} was deleted" for i in old.keys() - new.keys()]
        changes += [f"deployment {i} was changed" for i in old.keys() & new.keys() if old[i] != new[i]]
        if "settings" in before and before["settings"] != after["settings"]:
            changes.append(f"settings changed from {before['settings']} to {after['settings']}")
        return changes
