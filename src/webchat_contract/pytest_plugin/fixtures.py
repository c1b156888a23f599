"""The fixtures the suites use: clients by permission, deployments and settings that are put back."""

from __future__ import annotations

import secrets
import warnings
from pathlib import Path

import pytest

from ..cleanup import DeploymentTracker
from ..client import ApiClient, TargetError
from ..journal import DEFAULT_PATH, JOURNAL_NAME, Journal, compact
from ..operations import CREATE, DELETE, DELETE_SETTINGS, GET_SETTINGS, LIST, PUT_SETTINGS
from ..prerequisites import not_verified, require
from ..settings_guard import SettingsGuard
from ..slots import LiveSlots
from ..target import Target
from .xdist import is_xdist_worker


@pytest.fixture(autouse=True)
def _webchat_fresh_transcript(request: pytest.FixtureRequest):
    """Each test's report shows only its own exchanges."""
    if "webchat_target" in request.fixturenames:
        request.getfixturevalue("webchat_target").transcript.clear()
    yield


@pytest.fixture(autouse=True)
def _webchat_delete_test_deployments(request: pytest.FixtureRequest):
    """Deployments a test creates are deleted when it ends, keeping the run's footprint small."""
    if "deployments" not in request.fixturenames:
        yield
        return
    tracker = request.getfixturevalue("deployments")
    earlier = list(tracker.live)
    yield
    tracker.delete_created_since(earlier)


@pytest.fixture(scope="session")
def client_holding(webchat_target: Target):
    """``client_holding(permission, ...)``: a client of a principal holding them, or the test is not verified."""

    def pick(*permissions: str) -> ApiClient:
        principal = webchat_target.first_holding(*permissions)
        if principal is None:
            pytest.skip(not_verified(f"no configured principal holds {' and '.join(permissions)}"))
        return webchat_target.client(principal)

    return pick


@pytest.fixture(scope="session")
def run_prefix() -> str:
    """Starts the name of every deployment this run creates, so leftovers can be told apart."""
    return f"wcc-{secrets.token_hex(4)}-"


def journal_path(config: pytest.Config) -> Path:
    """Next to the JUnit file (reports/ by default): where ``webchat-contract sweep`` looks."""
    xml = getattr(config.option, "xmlpath", None)
    return Path(xml).parent / JOURNAL_NAME if xml else Path(config.rootpath) / DEFAULT_PATH


@pytest.fixture(scope="session")
def deployments(request: pytest.FixtureRequest, webchat_target: Target, client_holding, run_prefix: str):
    """Creates deployments for tests and deletes all of them at the end of the run."""
    creator = client_holding(CREATE.permission)
    deleter = client_holding(DELETE.permission)
    journal = Journal(journal_path(request.config), webchat_target.base_url, redact=webchat_target.redactor)
    journal.start_heartbeat(run_prefix)  # sweep leaves a live run's deployments alone
    # one cap for the whole run: xdist workers share the slots beside the journal
    slots = LiveSlots(journal.path.parent / "live-slots")
    reader = client_holding(LIST.permission)
    tracker = DeploymentTracker(creator, deleter, run_prefix, journal, slots, reader)
    yield tracker
    tracker.adopt_marked(reader)
    left = tracker.delete_all()
    journal.stop_heartbeat(run_prefix)
    if not left and not is_xdist_worker(request.config):  # workers share the file: leave it to serial runs
        compact(journal.path)
    if left:
        raise TargetError(f"could not delete the deployments this run created: {', '.join(left)}")
    if tracker.kept:  # the WC-DEP-DELETE failure is the verdict; this says what it left behind
        warnings.warn(
            f"left on the target, which still finds them after a successful DELETE: {', '.join(tracker.kept)} "
            "(in the journal: webchat-contract sweep deletes them once the target does)",
            pytest.PytestWarning,
            stacklevel=1,
        )


@pytest.fixture(scope="session")
def _webchat_settings_guard(webchat_target: Target, client_holding):
    guard = SettingsGuard(
        client_holding(GET_SETTINGS.permission),
        client_holding(PUT_SETTINGS.permission),
        client_holding(DELETE_SETTINGS.permission),
    )
    yield guard
    if not guard.restore():
        raise TargetError(f"could not restore the settings as found ({guard.original}); left as: {guard.left_as()}")


@pytest.fixture
def settings_guard(_webchat_settings_guard: SettingsGuard) -> SettingsGuard:
    """Use before changing the settings: they are put back as found at the end of the run. When the target
    cannot answer its settings, the first test needing them fails on that, the others are not verified."""
    require("the settings as found", _webchat_settings_guard.remember)
    return _webchat_settings_guard
