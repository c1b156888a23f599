"""The deployments the suite creates on a target, and how they are deleted again.

They are tracked from the moment the target answers the POST (any 2xx answer carrying an id), and deleted at the
end; nothing else is ever deleted. The settings are put back by ``settings_guard``, the run's cap of live
deployments is kept by ``slots``.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest

from .client import ApiClient, TargetError
from .journal import Journal
from .operations import CREATE, DELETE, LIST
from .prerequisites import current_test, needs
from .slots import MAX_LIVE_DEPLOYMENTS, FootprintExceeded, LiveSlots
from .transport import json_or_none
from .violations import ContractViolation, Violation, violation

# how often a DELETE is repeated while a GET still finds the deployment (see DeploymentTracker._still_found)
DELETE_REPEATS = 3


class DeploymentLimitReached(Exception):
    """The target refused a POST with 409 maximum.deployments.exceeded: a problem of the environment."""


def is_success(response) -> bool:
    return 200 <= response.status_code < 300


def created_id(response) -> str | None:
    """The id a POST answer carries, whatever its 2xx status (a 201 is a deviation, but still a deployment)."""
    if not is_success(response):
        return None
    body = json_or_none(response)
    return addressable_id(body.get("id")) if isinstance(body, dict) else None


def addressable_id(value: Any) -> str | None:
    """The id a deployment can be deleted by: a non-empty string, or a number (a deviation, but a mock that
    numbers its deployments still deletes them by that number); None for anything else."""
    if isinstance(value, str) and value:
        return value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def listed_entities(reader: ApiClient) -> list[dict[str, Any]]:
    """The deployments the list answers (an object's ``entities`` or a bare array); none when it answers nonsense."""
    with contextlib.suppress(TargetError):
        listing = json_or_none(reader.get(LIST.path))
        entities = listing.get("entities") if isinstance(listing, dict) else listing
        return [e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else []
    return []


def listed_ids(reader: ApiClient) -> list[str]:
    return [i for e in listed_entities(reader) if (i := addressable_id(e.get("id"))) is not None]


class DeploymentTracker:
    """Creates deployments for tests and deletes every one of them again."""

    def __init__(
        self,
        creator: ApiClient,
        deleter: ApiClient | None,
        name_prefix: str,
        journal: Journal | None = None,
        slots: LiveSlots | None = None,
        reader: ApiClient | None = None,
    ):
        self.creator = creator
        self.deleter = deleter
        self.reader = reader
        self.name_prefix = name_prefix
        self.journal = journal
        self.slots = slots
        self.live: list[str] = []
        self.kept: list[str] = []  # deleted, answered a success, and still found: left on the target
        self.deviations: list[str] = []  # what cleanup saw the target do against the contract (not leaks)
        self._slot_of: dict[str, str] = {}
        self._spare: list[str] = []  # slots taken before a POST whose answer carried no deployment
        self._lock = threading.Lock()
        # why the run must not create any more deployments, and the test that found it (then: not verified)
        self.blocked: tuple[str, str] | None = None
        self._pending: Violation | None = None  # the violation that blocked it, for the next test that needs one
        # what existed before the run: never the suite's to change or delete, whatever a POST answers
        self.preexisting: set[str] = set(listed_ids(reader)) if reader is not None else set()

    def _block(self, what: str, found: Violation | None = None) -> None:
        if self.blocked is None:
            self.blocked = (what, current_test())
            self._pending = found

    def reserve(self) -> None:
        """Take a live slot before a POST (any POST of the suite may create a deployment). When the target showed
        that it cannot take more, or keeps what is deleted, the test is not verified instead: creating more would
        only fill the target."""
        if self.blocked is not None:
            if self._pending is not None:  # found in a clean-up: the next test that needs a deployment fails on it
                found, self._pending = self._pending, None
                self.blocked = (self.blocked[0], current_test())
                raise ContractViolation([found])
            pytest.skip(needs(*self.blocked))
        if self.slots is None:
            with self._lock:
                if len(self.live) >= MAX_LIVE_DEPLOYMENTS:
                    raise FootprintExceeded(f"the suite already has {len(self.live)} deployments alive")
            return
        token = self.slots.acquire()
        with self._lock:
            self._spare.append(token)

    def unreserve(self) -> None:
        """The reserved POST created nothing the suite knows of."""
        with self._lock:
            token = self._spare.pop() if self._spare else None
        if token is not None and self.slots is not None:
            self.slots.release(token)

    def create(self, body: dict[str, Any] | None = None, client: ApiClient | None = None, **options):
        """POST a deployment (its name carrying the run prefix) and track it; returns the response.
        ``options`` go to ApiClient.request."""
        body = dict(body or {})
        name = str(body.get("name", "deployment"))
        body["name"] = name if name.startswith(self.name_prefix) else self.name_prefix + name
        self.reserve()
        try:
            response = (client or self.creator).post(CREATE.path, body, **options)
        except BaseException:
            self.unreserve()
            raise
        self.adopt(response)
        return response

    def adopt(self, response, valid_body: bool = True) -> str | None:
        """Track the deployment a POST created, whoever sent it (any 2xx answer carrying an id); returns its id.
        Call ``reserve`` before the POST; the slot is given back when nothing was created. A success without an id
        to a valid body stops further creation; to an invalid body it is that test's validation failure, and what
        the target stored of it no POST of a valid body would leave."""
        deployment_id = created_id(response)
        if deployment_id is None and is_success(response) and valid_body:
            # created, but no id the suite can read: find it by the run prefix its body carried; when that fails
            # too, creating more would leave more behind
            found = self.adopt_marked(self.reader) if self.reader is not None else []
            if not found:
                self._block("a POST answer carrying an id the suite can read")
        if deployment_id is None:
            self.unreserve()
            if response.status_code == 409 and _error_code(response) == "maximum.deployments.exceeded":
                self._block("room for a new deployment on the target")
                raise DeploymentLimitReached(
                    "target refused to create a deployment: 409 maximum.deployments.exceeded "
                    "(the target's environment holds too many deployments)"
                )
            return None
        if deployment_id in self.preexisting:
            self.unreserve()
            message = f"POST answered {deployment_id}, the id of a deployment listed before the run"
            raise ContractViolation([violation("WC-DEP-CREATE", message, response)])
        if deployment_id in self.live:  # an id it answered before: nothing new is alive, so no slot is held
            self.unreserve()
            return deployment_id
        self.track(deployment_id)
        return deployment_id

    def track(self, deployment_id: str) -> None:
        """A deployment of this run (created, or found carrying the run prefix) to delete at the end."""
        with self._lock:
            if deployment_id in self.live or deployment_id in self.preexisting:
                return
            self.live.append(deployment_id)
            if self._spare:
                self._slot_of[deployment_id] = self._spare.pop()
        if self.journal is not None:
            self.journal.created(deployment_id, self.name_prefix)

    def forget(self, deployment_id: str, gone: bool = True) -> None:
        """The deployment is gone (the test deleted it itself), or, not ``gone``, the target keeps it whatever the
        suite does: then it stays in the journal, for ``webchat-contract sweep``, and in ``kept``."""
        with self._lock:
            if deployment_id not in self.live:
                return
            self.live.remove(deployment_id)
            token = self._slot_of.pop(deployment_id, None)
            if not gone:
                self.kept.append(deployment_id)
        if token is not None and self.slots is not None:
            self.slots.release(token)
        if self.journal is not None and gone:
            self.journal.deleted(deployment_id)

    def delete(self, deployment_id: str) -> None:
        """Delete one of the run's deployments: any 2xx answer or a 404 means it is gone."""
        if self.deleter is None or deployment_id not in self.live:
            return
        response = self.deleter.delete(DELETE.url_path(deployment_id))
        if 400 <= response.status_code < 500 and response.status_code != 404 and self.reader is not None:
            # another 4xx (a 400 for an unknown id, ...): gone if a GET does not find it either
            if not is_success(self.reader.get(DELETE.url_path(deployment_id))):
                self.deviations.append(f"DELETE of {deployment_id} answered {response.status_code}; it is gone")
                self.forget(deployment_id)
            return
        if is_success(response) or response.status_code == 404:
            if response.status_code != DELETE.success_status:
                self.deviations.append(f"DELETE of {deployment_id} answered {response.status_code}, not 204")
            if is_success(response) and self.reader is not None:
                after = self._still_found(deployment_id)
                if after is not None:
                    message = f"DELETE of {deployment_id} answered {response.status_code}, but a GET still finds it"
                    self.deviations.append(message)
                    self._block(
                        "a target that deletes what the suite deletes", violation("WC-DEP-DELETE", message, after)
                    )
                    self.forget(deployment_id, gone=False)
                    return
            self.forget(deployment_id)

    def _still_found(self, deployment_id: str):
        """The GET that still finds the deployment after its DELETE, or None once it is gone. A target that let
        several deployments share the id (a PUT that honoured its body's id) removes one per DELETE: the run's own
        writes made them all, so the DELETE is repeated, a bounded few times, before the target is blamed."""
        path = DELETE.url_path(deployment_id)
        for _ in range(DELETE_REPEATS):
            after = self.reader.get(path)
            if not is_success(after):
                return None
            if not is_success(self.deleter.delete(path)):
                return after
        after = self.reader.get(path)
        return after if is_success(after) else None

    def delete_created_since(self, earlier: list[str]) -> None:
        """Delete what was created after ``earlier`` (a copy of ``live``), e.g. at the end of one test."""
        for deployment_id in [i for i in list(self.live) if i not in earlier]:
            with contextlib.suppress(TargetError):  # still tracked: delete_all tries again at the end of the run
                self.delete(deployment_id)

    def adopt_marked(self, reader: ApiClient) -> list[str]:
        """Track deployments the list shows carrying this run's prefix (created by a POST whose answer the
        suite could not read an id from); returns those newly tracked. Only this run's own prefix: nothing else
        is ever touched (``track`` refuses what was listed before the run)."""
        before = set(self.live)
        for entity in listed_entities(reader):
            marked = any(str(entity.get(k, "")).startswith(self.name_prefix) for k in ("name", "description"))
            deployment_id = addressable_id(entity.get("id"))
            if marked and deployment_id is not None:
                self.track(deployment_id)
        return [i for i in self.live if i not in before]

    def delete_all(self) -> list[str]:
        """Delete every tracked deployment; returns the ids that could not be deleted."""
        for deployment_id in list(self.live):
            with contextlib.suppress(TargetError):
                self.delete(deployment_id)
        return list(self.live)


def _error_code(response) -> str | None:
    body = json_or_none(response)
    return body.get("code") if isinstance(body, dict) else None
