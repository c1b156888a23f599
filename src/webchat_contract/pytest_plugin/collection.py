"""Collection: requirements recorded per test, ``--requirement`` selection, writes skipped where not allowed."""

from __future__ import annotations

import pytest

from ..prerequisites import not_verified
from ..spec import requirements
from .keys import CONFIG_KEY
from .metadata import operations_of, requirements_of
from .xdist import keep_settings_writers_together


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks it adds
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _record_requirements(items)
    _select_requirements(config, items)
    _skip_writes_unless_allowed(config, items)
    keep_settings_writers_together(items)


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
        exercised = operations_of(item)
        if exercised:
            item.user_properties.append(("operations", " ".join(exercised)))


def _skip_writes_unless_allowed(config: pytest.Config, items: list[pytest.Item]) -> None:
    loaded = config.stash.get(CONFIG_KEY, None)
    if loaded is None or loaded.destructive:
        return
    reason = not_verified(f"{loaded.source} does not allow writes ([target] destructive = false)")
    for item in items:
        if item.get_closest_marker("destructive"):
            item.add_marker(pytest.mark.skip(reason=reason))
