"""The suite's command-line options and markers, read and checked once pytest is configured."""

from __future__ import annotations

import os

import pytest

from .. import config as target_config
from ..config import ConfigError
from ..spec import requirements
from .keys import CONFIG_KEY
from .lifecycle import cleanup_on_sigterm, restore_sigterm
from .profiles import restore_profiles, use_profiles

MARKERS = {
    "destructive": "the test creates, changes or deletes something on the target",
    "permissions": "the test checks that an operation answers a principal as its permissions say",
    "auth": "the test checks authentication (401)",
    "requirement(*ids)": "the requirements of schemas/requirements.yaml the test verifies",
    "operations(*ids)": "the operationIds a test exercises, when no operation parameter says it",
}


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
    check_reference_switches(config)
    _check_requirement_ids(config)
    try:
        config.stash[CONFIG_KEY] = target_config.load(path) if path else None
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    use_profiles(config)
    cleanup_on_sigterm(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave the process as found (pytest can run in-process, several sessions one after the other)."""
    restore_profiles(config)
    restore_sigterm(config)


def check_reference_switches(config: pytest.Config) -> None:
    from ..reference.faults import validate_faults
    from ..reference.misbehaviours import validate_misbehaviours

    try:
        validate_faults(config.getoption("reference_fault"))
        validate_misbehaviours(config.getoption("reference_misbehave"))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def _check_requirement_ids(config: pytest.Config) -> None:
    """Before anything runs: a mistyped id must not run nothing, or everything."""
    unknown = sorted(set(config.getoption("requirement")) - requirements().keys())
    if unknown:
        raise pytest.UsageError(f"--requirement: unknown id {', '.join(unknown)} (known: {', '.join(requirements())})")
