"""What a request may have changed: the suite's own deployments and the settings, before and after."""

from __future__ import annotations

from typing import Any

from . import spec
from .cleanup import DeploymentTracker
from .client import ApiClient
from .operations import GET_SETTINGS, LIST


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
        listing = self.reader.get(LIST.path).json()
        snapshot = {"deployments": {e["id"]: e for e in listing.get("entities") or [] if self._is_ours(e)}}
        if with_settings:
            snapshot["settings"] = self.reader.get(GET_SETTINGS.path).json()
        return snapshot

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
