"""What the run was: the metadata results.json records (target, principals, seed, times), read from pytest's
config and what the workers sent."""

from __future__ import annotations

import platform
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings as hypothesis_settings

from .. import __version__, spec
from .. import pytest_plugin as suite
from . import selection

if TYPE_CHECKING:
    from .run_state import Run

COMPLETE_EXIT_CODES = {int(pytest.ExitCode.OK), int(pytest.ExitCode.TESTS_FAILED)}


def hypothesis_seed(config: pytest.Config) -> int | str | None:
    """The seed this process's examples were drawn with (the suite plugin picks one for randomized profiles)."""
    chosen = config.stash.get(suite.SEED_KEY, None)
    return chosen if chosen is not None else config.getoption("hypothesis_seed", None)


def declares_requirements(items: list[pytest.Item]) -> bool:
    """Whether this is a run of the contract suite (the project's own tests declare no requirement)."""
    return any(suite.requirements_of(item) for item in items)


def run_metadata(run: Run, exitstatus: int) -> dict[str, Any]:
    config = run.config
    finished = datetime.now(UTC)
    return {
        "suite_version": __version__,
        "schemas_hash": spec.schemas_hash(),
        "target": target_facts(run),
        "principals": principals(config),
        "hypothesis": {"profile": hypothesis_profile(config), "seed": run_seed(run)},
        "started_at": run.started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "duration_seconds": round(time.monotonic() - run.clock, 2),
        "workers": len(run.workers),
        "exit_status": int(exitstatus),
        "complete": int(exitstatus) in COMPLETE_EXIT_CODES and not run.interrupted,
        "python": platform.python_version(),
        "narrowed_by": selection.narrowed_by(config),
    }


def target_facts(run: Run) -> dict[str, Any]:
    config = run.config
    configured = config.stash.get(suite.CONFIG_KEY, None)
    if configured is not None:
        base_url, destructive = configured.base_url, configured.destructive
    else:
        active = config.stash.get(suite.ACTIVE_CONFIG_KEY, None)
        urls = {active.base_url} if active is not None else set()
        urls |= {w["base_url"] for w in run.workers.values() if w.get("base_url")}
        base_url, destructive = ", ".join(sorted(urls)) or None, True
    return {
        "base_url": base_url,
        "embedded": configured is None,
        "config": str(configured.source) if configured is not None else None,
        "reference_faults": list(config.getoption("reference_fault", [])),
        "destructive": destructive,
    }


def principals(config: pytest.Config) -> dict[str, list[str]]:
    order = {permission: n for n, permission in enumerate(spec.permissions())}
    layout = suite.principal_layout(config)
    return {name: sorted(held, key=lambda p: order.get(p, len(order))) for name, held in layout.items()}


def hypothesis_profile(config: pytest.Config) -> str:
    return config.getoption("hypothesis_profile", None) or hypothesis_settings.get_current_profile_name()


def run_seed(run: Run) -> int | str | None:
    """The seed every process used, if they agree (workers of a randomized run each pick their own)."""
    seeds = {w.get("seed") for w in run.workers.values()} if run.workers else {hypothesis_seed(run.config)}
    return seeds.pop() if len(seeds) == 1 else None
