"""pytest-xdist: the seed handed to workers, and the tests that write the global settings kept on one worker."""

from __future__ import annotations

import pytest

from ..operations import DELETE_SETTINGS, PUT_SETTINGS
from .keys import SEED_KEY
from .metadata import operations_of
from .profiles import SEED_INPUT


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist: hand the controller's seed to each worker."""
    seed = node.config.stash.get(SEED_KEY, None)
    if seed is not None:
        node.workerinput[SEED_INPUT] = seed


def keep_settings_writers_together(items: list[pytest.Item]) -> None:
    """The settings are global to a target: under pytest-xdist (--dist loadgroup) every test that may write them
    runs on one worker, one after the other."""
    writes_settings = {op.operation_id for op in (PUT_SETTINGS, DELETE_SETTINGS)}
    for item in items:
        if "settings_guard" in item.fixturenames or writes_settings & set(operations_of(item)):
            item.add_marker(pytest.mark.xdist_group("settings"))


def is_xdist_worker(config: pytest.Config) -> bool:
    # not the PYTEST_XDIST_WORKER variable: a pytest started by a worker's test inherits it
    return hasattr(config, "workerinput")
