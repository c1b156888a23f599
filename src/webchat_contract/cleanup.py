"""What the suite changes on a target, and how it puts it back.

Deployments the suite creates are tracked from the moment the target answers the POST, and deleted at
the end; settings are read before the first change and restored. Nothing else is ever changed or deleted.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from . import spec
from .client import ApiClient, TargetError, json_or_none
from .journal import Journal
from .operations import CREATE, DELETE, DELETE_SETTINGS, GET_SETTINGS, PUT_SETTINGS

# CONTRACT.md section 4: never more than 5 of the suite's own deployments alive at once
MAX_LIVE_DEPLOYMENTS = 5


class DeploymentLimitReached(Exception):
    """The target refused a POST with 409 maximum.deployments.exceeded: a problem of the environment."""


class FootprintExceeded(Exception):
    """A test tried to keep more of the suite's deployments alive than the contract allows the suite."""


class DeploymentTracker:
    """Creates deployments for tests and deletes every one of them again."""

    def __init__(self, creator: ApiClient, deleter: ApiClient | None, name_prefix: str, journal: Journal | None = None):
        self.creator = creator
        self.deleter = deleter
        self.name_prefix = name_prefix
        self.journal = journal
        self.live: list[str] = []
        self._lock = threading.Lock()

    def create(self, body: dict[str, Any] | None = None, client: ApiClient | None = None, **options):
        """POST a deployment (its name carrying the run prefix) and track it; returns the response.
        ``options`` go to ApiClient.request."""
        with self._lock:
            if len(self.live) >= MAX_LIVE_DEPLOYMENTS:
                raise FootprintExceeded(f"the suite already has {len(self.live)} deployments alive")
        body = dict(body or {})
        name = str(body.get("name", "deployment"))
        body["name"] = name if name.startswith(self.name_prefix) else self.name_prefix + name
        response = (client or self.creator).post(CREATE.path, body, **options)
        self.adopt(response)
        return response

    def adopt(self, response) -> str | None:
        """Track the deployment a POST created, whoever sent it; returns its id."""
        if response.status_code == 409 and _error_code(response) == "maximum.deployments.exceeded":
            raise DeploymentLimitReached(
                "target refused to create a deployment: 409 maximum.deployments.exceeded "
                "(the target's environment holds too many deployments)"
            )
        if response.status_code != CREATE.success_status:
            return None
        body = json_or_none(response)
        deployment_id = body.get("id") if isinstance(body, dict) else None
        if isinstance(deployment_id, str) and deployment_id:
            self.track(deployment_id)
            return deployment_id
        return None

    def track(self, deployment_id: str) -> None:
        """A deployment of this run (created, or found carrying the run prefix) to delete at the end."""
        with self._lock:
            if deployment_id in self.live:
                return
            self.live.append(deployment_id)
        if self.journal is not None:
            self.journal.created(deployment_id, self.name_prefix)

    def forget(self, deployment_id: str) -> None:
        """The test deleted it itself."""
        with self._lock:
            if deployment_id not in self.live:
                return
            self.live.remove(deployment_id)
        if self.journal is not None:
            self.journal.deleted(deployment_id)

    def delete(self, deployment_id: str) -> None:
        if self.deleter is None:
            return
        response = self.deleter.delete(DELETE.url_path(deployment_id))
        if response.status_code in (DELETE.success_status, 404):
            self.forget(deployment_id)

    def delete_created_since(self, earlier: list[str]) -> None:
        """Delete what was created after ``earlier`` (a copy of ``live``), e.g. at the end of one test."""
        for deployment_id in [i for i in list(self.live) if i not in earlier]:
            with contextlib.suppress(TargetError):  # still tracked: delete_all tries again at the end of the run
                self.delete(deployment_id)

    def delete_all(self) -> list[str]:
        """Delete every tracked deployment; returns the ids that could not be deleted."""
        for deployment_id in list(self.live):
            with contextlib.suppress(TargetError):
                self.delete(deployment_id)
        return list(self.live)


class SettingsGuard:
    """Remembers the settings as found before the suite's first change and puts them back."""

    def __init__(self, reader: ApiClient, writer: ApiClient | None, remover: ApiClient | None):
        self.reader, self.writer, self.remover = reader, writer, remover
        self.original: dict[str, Any] | None = None

    def remember(self) -> None:
        if self.original is not None:
            return
        response = self.reader.get(GET_SETTINGS.path)
        body = json_or_none(response)
        if response.status_code != GET_SETTINGS.success_status or not isinstance(body, dict):
            raise TargetError(f"cannot read the settings to restore them later: GET answered {response.status_code}")
        self.original = {key: body[key] for key in spec.writable_fields("WebChatSettings") if key in body}

    def restore(self) -> bool:
        """Put the settings back; True when they are as found."""
        if self.original is None:
            return True
        if self.original and self.writer is not None:
            response = self.writer.put(PUT_SETTINGS.path, self.original)
            return response.status_code == PUT_SETTINGS.success_status
        if not self.original and self.remover is not None:
            response = self.remover.delete(DELETE_SETTINGS.path)
            return response.status_code == DELETE_SETTINGS.success_status
        return False


def _error_code(response) -> str | None:
    body = json_or_none(response)
    return body.get("code") if isinstance(body, dict) else None
