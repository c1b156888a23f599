"""What each test is about (requirements, operations, principal), and the run header that names the target."""

from __future__ import annotations

import pytest
from hypothesis import settings

from ..spec import operations
from .keys import CONFIG_KEY, SEED_KEY


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
    from ..reference.principals import permission_sets

    return {name: frozenset(held) for name, held in permission_sets().items()}
