"""The suite's pytest layer: the target (configured, or the embedded reference target), its principals, and cleanup.

Active only where the suite's root conftest asks for it (``pytest_plugins = ["webchat_contract.plugin"]``), never in
other pytest sessions of the environment; importing it does nothing. Inert until a test asks for the target, so a
run that does not use the target never starts a server. pytest finds the hooks and fixtures below by name.

- ``options``: command-line options, markers, configuring and unconfiguring the run
- ``profiles``: hypothesis profiles and the seed
- ``lifecycle``: the target configured or started, credentials checked, the run stopped when the target fails
- ``fixtures``: clients by permission, deployments and settings that are put back
- ``collection`` / ``metadata``: what each test is about, selection by requirement
- ``xdist``: what pytest-xdist workers share
"""

from .collection import pytest_collection_modifyitems
from .fixtures import (
    _webchat_delete_test_deployments,
    _webchat_fresh_transcript,
    _webchat_settings_guard,
    client_holding,
    deployments,
    journal_path,
    run_prefix,
    settings_guard,
)
from .keys import ACTIVE_CONFIG_KEY, CONFIG_KEY, SEED_KEY, TARGET_KEY
from .lifecycle import (
    EXCHANGES_SECTION,
    RUN_ERRORS,
    RunStopped,
    pytest_runtest_makereport,
    run_redactor,
    stop_run,
    target_of,
    webchat_config,
    webchat_target,
)
from .metadata import operations_of, principal_layout, principal_of, pytest_report_header, requirements_of
from .options import MARKERS, pytest_addoption, pytest_configure, pytest_unconfigure
from .profiles import CI_EXAMPLES, DEFAULT_PROFILE, MUTATION_EXAMPLES, pytest_sessionstart
from .xdist import is_xdist_worker, pytest_configure_node

__all__ = [
    "ACTIVE_CONFIG_KEY",
    "EXCHANGES_SECTION",
    "CI_EXAMPLES",
    "CONFIG_KEY",
    "DEFAULT_PROFILE",
    "MARKERS",
    "MUTATION_EXAMPLES",
    "RUN_ERRORS",
    "SEED_KEY",
    "TARGET_KEY",
    "RunStopped",
    "_webchat_delete_test_deployments",
    "_webchat_fresh_transcript",
    "_webchat_settings_guard",
    "client_holding",
    "deployments",
    "is_xdist_worker",
    "journal_path",
    "operations_of",
    "principal_layout",
    "principal_of",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "pytest_sessionstart",
    "pytest_unconfigure",
    "requirements_of",
    "run_prefix",
    "run_redactor",
    "settings_guard",
    "stop_run",
    "target_of",
    "webchat_config",
    "webchat_target",
]
