"""pytest plugin: the target (configured, or the embedded reference target), its principals, and cleanup.

Active only where the suite's root conftest asks for it (``pytest_plugins``), never in other pytest sessions of the
environment; importing it does nothing. Inert until a test asks for the target, so a run that does not use the
target never starts a server.
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import warnings
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import core as hypothesis_core

from . import config as target_config
from . import violations
from .auth import AuthError
from .cleanup import DeploymentLimitReached, DeploymentTracker, FootprintExceeded, LiveSlots, SettingsGuard
from .client import ApiClient, TargetError
from .config import ConfigError, TargetConfig
from .journal import JOURNAL_NAME, Journal, compact
from .operations import CREATE, DELETE, DELETE_SETTINGS, GET_SETTINGS, LIST, PUT_SETTINGS
from .prerequisites import not_verified, require
from .reporting.redact import Redactor
from .spec import operations, requirements
from .target import Target

CONFIG_KEY = pytest.StashKey[TargetConfig | None]()
# the configuration in use once the target is known (the embedded target's is known only after it started)
ACTIVE_CONFIG_KEY = pytest.StashKey[TargetConfig]()
TARGET_KEY = pytest.StashKey[Target]()
# exceptions that mean the suite could not do its job: an error of the run, not a verdict on the target
RUN_ERRORS = (TargetError, AuthError, DeploymentLimitReached, FootprintExceeded)  # RunStopped is a TargetError
MARKERS = {
    "destructive": "the test creates, changes or deletes something on the target",
    "permissions": "the test checks that an operation answers a principal as its permissions say",
    "auth": "the test checks authentication (401)",
    "requirement(*ids)": "the requirements of schemas/requirements.yaml the test verifies",
    "operations(*ids)": "the operationIds a test exercises, when no operation parameter says it",
}


# Hypothesis profiles, chosen with hypothesis's own --hypothesis-profile. ``ci`` (the default) is derandomized and
# sized for a quick gate; ``nightly`` explores ten times more with a fresh seed, printed so a failure can be replayed.
# Neither keeps an example database: replaying old examples against a live target is not what a run is for.
CI_EXAMPLES = 25
_COMMON = dict(
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
# ``ci`` does not shrink and stops at the first failure of a test: a failing run costs what a passing one does, and
# the report shows the failing example as found (with its seed). ``nightly`` shrinks to the minimal example.
CI_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
# never hypothesis's explain phase: it traces every line of a failing test, which against a target took one failing
# round-trip test to 170 s and 1.1 GB (4 s and 96 MB without it), and says nothing a target's author can use
NIGHTLY_PHASES = [*CI_PHASES, Phase.shrink]
# the project's mutation test: one full run per reference fault, so lean (few examples, no shrinking) but
# derandomized, so the requirements a fault fails are the same every time (tests/data/fault_requirements.txt)
MUTATION_EXAMPLES = 5
DEFAULT_PROFILE = "ci"
_PROFILE_BEFORE = pytest.StashKey[str]()
_SIGTERM_BEFORE = pytest.StashKey[object]()
SEED_KEY = pytest.StashKey[int | None]()
SEED_INPUT = "webchat_contract_hypothesis_seed"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("webchat-contract", "WebChat contract suite")
    group.addoption(
        "--target-config",
        default=os.environ.get(target_config.ENV_VAR),
        metavar="PATH",
        help=f"TOML file describing the target and its principals (env {target_config.ENV_VAR}); "
        "without it the suite runs against its embedded reference target",
    )
    group.addoption(
        "--requirement",
        action="append",
        default=[],
        metavar="ID",
        help="run only the tests that verify this requirement (an id of schemas/requirements.yaml); repeatable",
    )
    group.addoption(
        "--reference-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on a fault of the embedded reference target (to see the suite catch it); repeatable",
    )
    group.addoption(
        "--reference-misbehave",
        action="append",
        default=[],
        metavar="NAME",
        help="make the embedded reference target misbehave (hang, slow, throttle, ...) to see the suite cope",
    )


@pytest.hookimpl(tryfirst=True)  # the profiles exist before hypothesis's plugin loads the one asked for
def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    path = config.getoption("target_config")
    if path and config.inipath is None and "--target-config" in config.invocation_params.args:
        # pytest chose its rootdir before this option was known, taking PATH for a test path
        raise pytest.UsageError(
            f"--target-config {path}: pytest took the file for a test path and lost the suite's configuration; "
            f"name the suite too (pytest suites --target-config {path}) or write --target-config={path}"
        )
    if path and (config.getoption("reference_fault") or config.getoption("reference_misbehave")):
        raise pytest.UsageError("--reference-fault/--reference-misbehave apply to the embedded reference target only")
    _check_reference_switches(config)
    _check_requirement_ids(config)
    try:
        config.stash[CONFIG_KEY] = target_config.load(path) if path else None
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    _use_profiles(config)
    _cleanup_on_sigterm(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave the process as found (pytest can run in-process, several sessions one after the other)."""
    if _PROFILE_BEFORE in config.stash:
        settings.load_profile(config.stash[_PROFILE_BEFORE])
    if _SIGTERM_BEFORE in config.stash:
        signal.signal(signal.SIGTERM, config.stash[_SIGTERM_BEFORE])


def _use_profiles(config: pytest.Config) -> None:
    """Register the suite's profiles and load ``ci``; hypothesis's own plugin, configured after this one, loads the
    one ``--hypothesis-profile`` names instead."""
    settings.register_profile(
        DEFAULT_PROFILE,
        max_examples=CI_EXAMPLES,
        derandomize=True,
        phases=CI_PHASES,
        report_multiple_bugs=False,
        **_COMMON,
    )
    settings.register_profile(
        "nightly", max_examples=CI_EXAMPLES * 10, derandomize=False, phases=NIGHTLY_PHASES, **_COMMON
    )
    settings.register_profile(
        "mutation",
        max_examples=MUTATION_EXAMPLES,
        derandomize=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        report_multiple_bugs=False,
        **_COMMON,
    )
    config.stash[_PROFILE_BEFORE] = settings.get_current_profile_name()
    settings.load_profile(DEFAULT_PROFILE)


# at session start hypothesis has loaded the chosen profile, and the header with the seed is not printed yet
@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Randomized runs get a seed chosen now and printed, so any failure can be replayed with --hypothesis-seed.
    Under pytest-xdist the controller chooses it and every worker uses the same one."""
    config = session.config
    seed = config.getoption("hypothesis_seed", None)
    if seed is None:
        seed = getattr(config, "workerinput", {}).get(SEED_INPUT)
        if seed is None and not settings.default.derandomize:
            seed = secrets.randbelow(2**32)
        if seed is not None:
            hypothesis_core.global_force_seed = seed
    config.stash[SEED_KEY] = int(seed) if seed is not None and str(seed).isdigit() else None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist: hand the controller's seed to each worker."""
    seed = node.config.stash.get(SEED_KEY, None)
    if seed is not None:
        node.workerinput[SEED_INPUT] = seed


def _check_reference_switches(config: pytest.Config) -> None:
    from .reference.faults import validate_faults
    from .reference.misbehaviours import validate_misbehaviours

    try:
        validate_faults(config.getoption("reference_fault"))
        validate_misbehaviours(config.getoption("reference_misbehave"))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def _cleanup_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM unwinds like Ctrl-C, so session teardown still deletes what the run created."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        config.stash[_SIGTERM_BEFORE] = signal.signal(signal.SIGTERM, interrupt)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks it adds
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _record_requirements(items)
    _select_requirements(config, items)
    _skip_writes_unless_allowed(config, items)
    _keep_settings_writers_together(items)


def _keep_settings_writers_together(items: list[pytest.Item]) -> None:
    """The settings are global to a target: under pytest-xdist (--dist loadgroup) every test that may write them
    runs on one worker, one after the other."""
    writes_settings = {op.operation_id for op in (PUT_SETTINGS, DELETE_SETTINGS)}
    for item in items:
        if "settings_guard" in item.fixturenames or writes_settings & set(operations_of(item)):
            item.add_marker(pytest.mark.xdist_group("settings"))


def _check_requirement_ids(config: pytest.Config) -> None:
    """Before anything runs: a mistyped id must not run nothing, or everything."""
    unknown = sorted(set(config.getoption("requirement")) - requirements().keys())
    if unknown:
        raise pytest.UsageError(f"--requirement: unknown id {', '.join(unknown)} (known: {', '.join(requirements())})")


def _select_requirements(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = set(config.getoption("requirement"))
    if not wanted:
        return
    deselected = [item for item in items if not wanted & set(requirements_of(item))]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


def _record_requirements(items: list[pytest.Item]) -> None:
    """Each test's requirements and operations go into its JUnit properties; an unknown requirement id stops
    the run (a typo must not leave a requirement silently untested)."""
    known = requirements()
    for item in items:
        declared = requirements_of(item)
        unknown = [rid for rid in declared if rid not in known]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid} names unknown requirement {', '.join(unknown)}")
        if declared:
            item.user_properties.append(("requirements", " ".join(declared)))
        if operations_of(item):
            item.user_properties.append(("operations", " ".join(operations_of(item))))


def _skip_writes_unless_allowed(config: pytest.Config, items: list[pytest.Item]) -> None:
    loaded = config.stash.get(CONFIG_KEY, None)
    if loaded is None or loaded.destructive:
        return
    reason = not_verified(f"{loaded.source} does not allow writes ([target] destructive = false)")
    for item in items:
        if item.get_closest_marker("destructive"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def webchat_config(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> TargetConfig:
    """The target's configuration; starts the embedded reference target when none is configured."""
    configured = request.config.stash.get(CONFIG_KEY, None)
    if configured is not None:
        request.config.stash[ACTIVE_CONFIG_KEY] = configured
        return configured
    from .reference.server import EmbeddedTarget, EmbeddedTargetError

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


def is_xdist_worker(config: pytest.Config) -> bool:
    # not the PYTEST_XDIST_WORKER variable: a pytest started by a worker's test inherits it
    return hasattr(config, "workerinput")


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
    return (Path(xml).parent if xml else Path(config.rootpath) / "reports") / JOURNAL_NAME


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


# after this many tests in a row end on a TargetError, the target is taken as gone and the run stops
TARGET_ERRORS_BEFORE_STOP = 3
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
        report.sections.append(("webchat exchanges", "\n".join(lines)))
    return report


def target_of(item: pytest.Item) -> Target | None:
    """The target a test used, if it asked for one."""
    funcargs = getattr(item, "funcargs", None) or {}
    target = funcargs.get("webchat_target")
    return target if isinstance(target, Target) else None


def pytest_report_header(config: pytest.Config) -> list[str]:
    loaded = config.stash.get(CONFIG_KEY, None)
    if loaded is None:
        target = "embedded reference target"
    else:
        target = f"{loaded.base_url} ({loaded.source}); principals: {', '.join(loaded.principals)}"
    seed = config.stash.get(SEED_KEY, None)
    replay = f", seed {seed} (replay: --hypothesis-seed={seed})" if seed else ""
    return [f"webchat-contract target: {target}", f"hypothesis profile {settings.get_current_profile_name()}{replay}"]


def requirements_of(item: pytest.Item) -> list[str]:
    """The requirement ids a test declares (``@pytest.mark.requirement(...)``, on it, its class or module)."""
    return sorted({rid for mark in item.iter_markers("requirement") for rid in mark.args})


def operations_of(item: pytest.Item) -> list[str]:
    """The operationIds a test exercises: its ``operation`` or ``cell`` parameter, or ``@pytest.mark.operations``."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "operation" in params:
        return [params["operation"].operation_id]
    if "cell" in params:
        return [params["cell"].operation.operation_id]
    marked = sorted({op for mark in item.iter_markers("operations") for op in mark.args})
    return marked or _schemathesis_operation(item)


def _schemathesis_operation(item: pytest.Item) -> list[str]:
    """A schemathesis test is named ``test[METHOD /path]``."""
    label = item.name.partition("[")[2].rstrip("]")
    return [op.operation_id for op in operations() if f"{op.method} {op.path}" == label]


def principal_of(item: pytest.Item) -> str | None:
    """The principal a permission-matrix cell is about, if the test is one."""
    cell = getattr(getattr(item, "callspec", None), "params", {}).get("cell")
    return cell.principal if cell is not None else None


def principal_layout(config: pytest.Config) -> dict[str, frozenset[str]]:
    """Principal name -> permissions, known at collection time (the embedded target's are fixed by design)."""
    loaded = config.stash.get(CONFIG_KEY, None)
    if loaded is not None:
        return {name: p.permissions for name, p in loaded.principals.items()}
    from .reference.principals import permission_sets

    return {name: frozenset(held) for name, held in permission_sets().items()}
