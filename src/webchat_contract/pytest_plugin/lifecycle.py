"""The target's lifecycle in a run: configured or started, credentials checked, stopped when it fails."""

from __future__ import annotations

import signal
import threading
from typing import NoReturn

import pytest

from .. import config as target_config
from .. import violations
from ..auth import AuthError
from ..cleanup import DeploymentLimitReached
from ..client import TargetError
from ..config import TargetConfig
from ..operations import LIST
from ..reporting.redact import Redactor
from ..slots import FootprintExceeded
from ..target import Target
from .keys import ACTIVE_CONFIG_KEY, CONFIG_KEY, TARGET_KEY
from .xdist import is_xdist_worker

# exceptions that mean the suite could not do its job: an error of the run, not a verdict on the target
RUN_ERRORS = (TargetError, AuthError, DeploymentLimitReached, FootprintExceeded)  # RunStopped is a TargetError


SIGTERM_BEFORE = pytest.StashKey[object]()


def cleanup_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM unwinds like Ctrl-C, so session teardown still deletes what the run created."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        config.stash[SIGTERM_BEFORE] = signal.signal(signal.SIGTERM, interrupt)


def restore_sigterm(config: pytest.Config) -> None:
    """SIGTERM's handler as ``cleanup_on_sigterm`` found it."""
    if SIGTERM_BEFORE in config.stash:
        signal.signal(signal.SIGTERM, config.stash[SIGTERM_BEFORE])


@pytest.fixture(scope="session")
def webchat_config(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> TargetConfig:
    """The target's configuration; starts the embedded reference target when none is configured."""
    configured = request.config.stash.get(CONFIG_KEY, None)
    if configured is not None:
        request.config.stash[ACTIVE_CONFIG_KEY] = configured
        return configured
    from ..reference.server import EmbeddedTarget, EmbeddedTargetError

    embedded = EmbeddedTarget(
        tmp_path_factory.mktemp("reference-target"),
        faults=request.config.getoption("reference_fault"),
        misbehaviours=request.config.getoption("reference_misbehave"),
    )
    try:
        embedded.start()
    except EmbeddedTargetError as error:
        stop_run(request.session, f"cannot start the embedded reference target: {error}")
    request.addfinalizer(embedded.stop)
    loaded = target_config.load(embedded.config_path)
    request.config.stash[ACTIVE_CONFIG_KEY] = loaded
    return loaded


@pytest.fixture(scope="session")
def webchat_target(request: pytest.FixtureRequest, webchat_config: TargetConfig) -> Target:
    target = Target(webchat_config)
    request.config.stash[TARGET_KEY] = target
    _check_credentials(target, request.session)
    return target


class RunStopped(TargetError):
    """The run cannot go on (target unusable at its start); raised where pytest.exit cannot be used."""


def stop_run(session: pytest.Session, reason: str) -> NoReturn:
    """End the run with one line. A pytest-xdist worker must not call pytest.exit (the controller crashes on
    it): there the test errors with the reason and the worker stops."""
    message = run_redactor(session.config)(f"webchat-contract: {reason}")
    if is_xdist_worker(session.config):
        session.shouldstop = message
        raise RunStopped(message.removeprefix("webchat-contract: "))
    pytest.exit(message, returncode=3)


def run_redactor(config: pytest.Config) -> Redactor:
    """The redaction every output of this process goes through: the target's (it learns each token fetched),
    else one knowing the configured secrets."""
    target = config.stash.get(TARGET_KEY, None)
    if target is not None:
        return target.redactor
    loaded = config.stash.get(ACTIVE_CONFIG_KEY, None) or config.stash.get(CONFIG_KEY, None)
    return Redactor(loaded.secrets() if loaded is not None else ())


def _check_credentials(target: Target, session: pytest.Session) -> None:
    """Fail the run at its start, naming the principal, when a credential does not work (no false green)."""
    probe = LIST
    for principal in target.principals:
        try:
            response = target.client(principal).get(probe.path)
        except (AuthError, TargetError) as error:
            stop_run(session, str(error))
        if response.status_code == 401:
            stop_run(
                session,
                f"principal {principal.name!r} is not accepted by {target.base_url} "
                f"(GET {probe.path} answered 401): its credential is wrong or expired",
            )


# after this many tests in a row end on a TargetError, the target is taken as gone and the run stops
TARGET_ERRORS_BEFORE_STOP = 3
EXCHANGES_SECTION = "webchat exchanges"  # the report section a failed test's exchanges go in


_TARGET_ERRORS_IN_A_ROW = pytest.StashKey[int]()


def _count_target_errors(item: pytest.Item, call: pytest.CallInfo) -> None:
    """Stop the run (bounded time) when the target keeps failing to answer, naming the cause once."""
    if call.when == "teardown":
        return
    stash = item.session.stash
    if call.excinfo is not None and call.excinfo.errisinstance(TargetError):
        stash[_TARGET_ERRORS_IN_A_ROW] = stash.get(_TARGET_ERRORS_IN_A_ROW, 0) + 1
        if stash[_TARGET_ERRORS_IN_A_ROW] >= TARGET_ERRORS_BEFORE_STOP:
            item.session.shouldstop = f"the target stopped answering: {call.excinfo.value}"
    elif call.when == "call":
        stash[_TARGET_ERRORS_IN_A_ROW] = 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    _count_target_errors(item, call)
    found = violations.record(item, call.excinfo.value) if call.excinfo is not None else []
    report = yield
    if found and report.when == "setup" and report.failed:
        # a prerequisite the target could not give is this test's verdict (a failure), not an error of the suite
        report.when = "call"
    target = target_of(item)
    if target is not None and report.failed and target.transcript.exchanges:
        exchanges = target.transcript.exchanges
        lines = [exchange.summary() for exchange in exchanges]
        report.sections.append((EXCHANGES_SECTION, "\n".join(lines)))
    return report


def target_of(item: pytest.Item) -> Target | None:
    """The target a test used, if it asked for one."""
    funcargs = getattr(item, "funcargs", None) or {}
    target = funcargs.get("webchat_target")
    return target if isinstance(target, Target) else None
