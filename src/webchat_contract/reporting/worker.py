"""An xdist worker: what only it knows (run errors, its target, its seed) goes to the controller at its end."""

from __future__ import annotations

import pytest

from .. import pytest_plugin as suite
from .run_facts import declares_requirements, hypothesis_seed

WORKER_OUTPUT_KEY = "webchat_contract_reporting"


class WorkerSide:
    def __init__(self, config: pytest.Config):
        self.config = config
        self.run_errors: list[dict[str, str]] = []
        self.suite_run = False

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.suite_run = declares_requirements(session.items)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        self.run_errors.append(interruption(excinfo))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        active = self.config.stash.get(suite.ACTIVE_CONFIG_KEY, None)
        self.config.workeroutput[WORKER_OUTPUT_KEY] = {
            "run_errors": self.run_errors,
            "base_url": active.base_url if active is not None else None,
            "seed": hypothesis_seed(self.config),
            "suite_run": self.suite_run,
        }


def interruption(excinfo: pytest.ExceptionInfo) -> dict[str, str]:
    """pytest.exit (the suite's way to stop when the target cannot be used) or Ctrl-C, as a run error."""
    if isinstance(excinfo.value, pytest.exit.Exception):
        return {"kind": "exit", "cause": str(excinfo.value.msg)}
    return {"kind": "interrupted", "cause": f"the run was interrupted ({excinfo.typename})"}
